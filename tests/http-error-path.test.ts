import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ERROR_CODES } from "../app/app-error";
import type { TenantRecord } from "../tenancy/tenant-record";
import { apiCall } from "./support/api-client";
import { createMember, form, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

// The one translation point (app/http/route-errors.server.ts): a domain AppError code answers with
// the table's status on /api and in a page form; anything unknown is logged once and answers 500
// with the request id, as JSON and as a page.

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let agent: { cookie: string; csrf: string };

beforeAll(async () => {
  acme = await createTestTenant(platform);
  server = await startTestServer(platform);
  const member = await createMember(platform, acme, { email: "agent@errors.test", password: "the right password" });
  agent = await sessionFor(platform, acme, member.id);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = () => `${acme.slug}.localhost`;
const post = (path: string, fields: Record<string, string>) =>
  server.request(host(), path, {
    method: "POST",
    body: form({ csrf: agent.csrf, ...fields }),
    headers: postHeaders(`http://${host()}`, { cookie: agent.cookie }),
  });

/** The attributes of a named input, from the page's HTML. */
function inputTag(html: string, name: string): string {
  const tag = new RegExp(`<input[^>]*\\sname="${name}"[^>]*>`).exec(html)?.[0];
  if (!tag) throw new Error(`no input named ${name}`);
  return tag;
}

describe("domain refusals", () => {
  it("one code answers /api with the table's status and code, and a page form with a field error", async () => {
    const customer = { name: "Ada Lovelace", email: "ada@errors.test" };
    expect((await apiCall(server, acme, agent, "POST", "/api/customers", customer)).status).toBe(201);

    const api = await apiCall(server, acme, agent, "POST", "/api/customers", { ...customer, name: "Ada Again" });
    expect(api.status).toBe(APP_ERROR_CODES.email_taken.status);
    expect(api.body.error).toMatchObject({ code: "email_taken", details: { field: "email" } });

    const page = await post("/customers/new", { ...customer, name: "Ada Again" });
    expect(page.status).toBe(APP_ERROR_CODES.email_taken.form);
    const email = inputTag(await page.text(), "email");
    expect(email).toContain('aria-invalid="true"');
    expect(email).toContain('value="ada@errors.test"');
  });

  it("a refusal that used to be its own Error class is a code in the table, shown next to its field", async () => {
    const response = await post("/settings/profile", {
      intent: "password",
      currentPassword: "not my password",
      newPassword: "a new long password",
      confirmPassword: "a new long password",
    });
    expect(response.status).toBe(APP_ERROR_CODES.wrong_password);
    const html = await response.text();
    expect(inputTag(html, "currentPassword")).toContain('aria-invalid="true"');
    expect(html).toContain("That is not your current password");
  });
});

describe("unknown failures", () => {
  it("are logged once with the request id and answer 500 carrying it, as JSON on /api and as a page", async () => {
    const { db } = platform.router.forTenant(acme);
    // A schema that drifted from the code: every customer query fails with an error nobody expects.
    await db.execute(sql.raw(`alter table "${acme.schemaName}".customers rename column phone to phone_drifted`));
    try {
      const apiId = "error-path-api-0001";
      const api = await apiCall(server, acme, agent, "GET", "/api/customers", undefined, { "x-request-id": apiId });
      expect(api.status).toBe(500);
      expect(api.body.error).toMatchObject({ code: "internal_error", details: { requestId: apiId } });
      expect(JSON.stringify(api.body)).not.toContain("phone");

      const pageId = "error-path-page-0001";
      const page = await server.request(host(), "/customers", { headers: { cookie: agent.cookie, "x-request-id": pageId } });
      expect(page.status).toBe(500);
      const html = await page.text();
      expect(html).toContain(pageId);
      expect(html).toContain("Something went wrong");
      expect(html).not.toContain("phone_drifted");

      // Once each, with the stack: the access log's line for the 500 carries no error of its own.
      const stacksFor = (id: string) =>
        server.logs.filter((line) => JSON.stringify(line).includes(id) && (line.err as { stack?: string } | undefined)?.stack?.includes("phone"));
      expect(stacksFor(apiId)).toHaveLength(1);
      expect(stacksFor(pageId)).toHaveLength(1);
    } finally {
      await db.execute(sql.raw(`alter table "${acme.schemaName}".customers rename column phone_drifted to phone`));
    }
  });
});
