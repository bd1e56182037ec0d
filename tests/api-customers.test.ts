import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerPageSchema, customerSchema } from "../app/api/api-schemas";
import { createApiToken } from "../app/auth/api-tokens.server";
import { createCustomer } from "../app/customers/customers.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { apiCall, type ApiCredentials, type ApiResponse } from "./support/api-client";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let token: string;
let session: { cookie: string; csrf: string };
let globexCustomer: number;

const call = (tenant: TenantRecord, credentials: ApiCredentials, method: string, path: string, body?: unknown) =>
  apiCall(server, tenant, credentials, method, path, body);
const asToken = (method: string, path: string, body?: unknown) => call(acme, { token }, method, path, body);
const asSession = (method: string, path: string, body?: unknown) => call(acme, session, method, path, body);

beforeAll(async () => {
  acme = await createTestTenant(platform);
  globex = await createTestTenant(platform);
  const member = await createMember(platform, acme, { email: "cara@acme.test", name: "Cara" });
  token = (await createApiToken(platform.router.forTenant(acme), member, "tests")).token;
  session = await sessionFor(platform, acme, member.id);
  // More customers in globex than acme will have, so globex's last id does not exist in acme.
  for (let i = 0; i < 40; i += 1) {
    globexCustomer = (
      await createCustomer(
        platform.router.forTenant(globex),
        { type: "system" },
        { name: `Globex ${i}`, email: `g${i}@globex.test`, company: null, phone: null },
      )
    ).id;
  }
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("POST /api/customers", () => {
  it("creates a customer (201, Location) through a session and a token", async () => {
    const bySession = await asSession("POST", "/api/customers", { name: " Ada Lovelace ", email: "ada@engine.test", company: "Analytical Engines", phone: "" });
    expect(bySession.status).toBe(201);
    const customer = customerSchema.parse(bySession.body);
    expect(bySession.headers.get("location")).toBe(`/api/customers/${customer.id}`);
    expect(customer).toMatchObject({ name: "Ada Lovelace", email: "ada@engine.test", company: "Analytical Engines", phone: null, unsolvedTickets: 0 });
    expect((await asToken("GET", bySession.headers.get("location")!)).body).toEqual(bySession.body);

    const byToken = await asToken("POST", "/api/customers", { name: "Charles Babbage", email: "charles@engine.test" });
    expect(byToken.status).toBe(201);
    expect(byToken.body).toMatchObject({ name: "Charles Babbage", company: null, phone: null });
  });

  it("answers 409 email_taken for an email already used, in any case", async () => {
    await asToken("POST", "/api/customers", { name: "Grace", email: "grace@navy.test" });
    const duplicate = await asToken("POST", "/api/customers", { name: "Other Grace", email: "Grace@Navy.TEST" });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      error: { code: "email_taken", message: "A customer with this email already exists in this workspace.", details: { field: "email" } },
    });
  });

  it("refuses unknown fields and bad values with 400", async () => {
    const unknown = await asToken("POST", "/api/customers", { name: "X", email: "x@acme.test", vip: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({
      code: "validation_failed",
      details: [expect.objectContaining({ code: "unrecognized_keys", message: expect.stringContaining("vip") })],
    });
    const bad = await asToken("POST", "/api/customers", { name: "", email: "not an email", phone: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((issue: { path: string }) => issue.path).sort()).toEqual(["email", "name", "phone"]);
    const anonymous = await call(acme, null, "POST", "/api/customers", { name: "X", email: "x@acme.test" });
    expect(anonymous.status).toBe(401);
  });
});

describe("GET /api/customers", () => {
  beforeAll(async () => {
    for (const name of ["Zed Zimmer", "Yolanda Young", "Xavier Xu"])
      await asToken("POST", "/api/customers", { name, email: `${name.split(" ")[0]!.toLowerCase()}@list.test`, company: "Listing Co" });
  });

  it("lists by name and searches, through a session and a token", async () => {
    const all = await asSession("GET", "/api/customers");
    expect(all.status).toBe(200);
    const page = customerPageSchema.parse(all.body);
    const names = page.data.map((customer) => customer.name);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(names).toEqual(expect.arrayContaining(["Xavier Xu", "Yolanda Young", "Zed Zimmer"]));
    expect((await asToken("GET", "/api/customers")).body).toEqual(all.body);

    const search = await asToken("GET", "/api/customers?q=yolanda");
    expect(search.body.data.map((customer: { name: string }) => customer.name)).toEqual(["Yolanda Young"]);
  });

  it("walks pages with limit and cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response: ApiResponse = await asToken("GET", `/api/customers?q=listing&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status).toBe(200);
      expect(response.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.data.map((customer: { name: string }) => customer.name));
      cursor = response.body.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen.sort()).toEqual(["Xavier Xu", "Yolanda Young", "Zed Zimmer"]);
  });

  it("refuses unknown parameters, bad limits and bad cursors with 400, and anonymous callers with 401", async () => {
    for (const [query, code] of [
      ["?search=x", "validation_failed"],
      ["?limit=0", "validation_failed"],
      ["?limit=1000", "validation_failed"],
      ["?q=a&q=b", "validation_failed"],
      ["?cursor=%%%", "invalid_cursor"],
    ] as const) {
      const response = await asToken("GET", `/api/customers${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe(code);
    }
    const anonymous = await call(acme, null, "GET", "/api/customers");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthenticated");
  });
});

describe("GET and PATCH /api/customers/:id", () => {
  let id: number;
  beforeAll(async () => {
    id = (await asToken("POST", "/api/customers", { name: "Edit Me", email: "edit@acme.test", company: "Before Inc", phone: "123" })).body.id;
    await asToken("POST", "/api/customers", { name: "Taken", email: "taken@acme.test" });
  });

  it("reads a customer with its unsolved ticket count", async () => {
    expect((await asToken("POST", "/api/tickets", { subject: "Help", message: "Please", customerId: id })).status).toBe(201);
    const response = await asSession("GET", `/api/customers/${id}`);
    expect(response.status).toBe(200);
    expect(customerSchema.parse(response.body)).toMatchObject({
      id,
      name: "Edit Me",
      email: "edit@acme.test",
      company: "Before Inc",
      phone: "123",
      unsolvedTickets: 1,
    });
  });

  it("answers a plain 404 for an id that does not exist here, also when another workspace has it", async () => {
    const mine = await asToken("GET", "/api/customers?limit=100");
    expect(Math.max(...mine.body.data.map((customer: { id: number }) => customer.id))).toBeLessThan(globexCustomer);
    const expected = { error: { code: "not_found", message: "That customer was not found in this workspace.", details: null } };
    for (const path of [
      `/api/customers/${globexCustomer}`,
      "/api/customers/999999999",
      "/api/customers/abc",
      "/api/customers/0",
      "/api/customers/99999999999999999999",
      "/api/customers/0x1",
      "/api/customers/1e0",
      "/api/customers/01",
      "/api/customers/+1",
      "/api/customers/1.0",
      "/api/customers/%201",
    ]) {
      const read = await asToken("GET", path);
      expect(read.status, path).toBe(404);
      expect(read.body, path).toEqual(expected);
      const write = await asToken("PATCH", path, { name: "Hijack" });
      expect(write.status, path).toBe(404);
      expect(write.body, path).toEqual(expected);
    }
    expect((await call(acme, null, "GET", `/api/customers/${id}`)).status).toBe(401);
  });

  it("changes the given fields only, through a session and a token; null clears an optional field", async () => {
    const renamed = await asSession("PATCH", `/api/customers/${id}`, { name: "Edited", company: null });
    expect(renamed.status).toBe(200);
    expect(customerSchema.parse(renamed.body)).toMatchObject({ id, name: "Edited", email: "edit@acme.test", company: null, phone: "123" });
    const moved = await asToken("PATCH", `/api/customers/${id}`, { email: "new@acme.test", phone: "" });
    expect(moved.body).toMatchObject({ name: "Edited", email: "new@acme.test", phone: null });
    const activity = await asToken("GET", "/api/dashboard/activity?limit=5");
    expect(activity.body.data[0]).toMatchObject({
      action: "customer.updated",
      customer: { id, name: "Edited" },
      changes: { email: { from: "edit@acme.test", to: "new@acme.test" } },
    });
  });

  it("answers 409 email_taken for another customer's email, and 400 for unknown fields or nothing to change", async () => {
    const taken = await asToken("PATCH", `/api/customers/${id}`, { email: "TAKEN@acme.test" });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({ error: { code: "email_taken", message: expect.any(String), details: { field: "email" } } });
    for (const [body, mentions] of [
      [{ id: 5 }, "Unrecognized key"],
      [{}, "Send at least one of"],
      [{ email: "nope" }, "email"],
      [{ name: null }, "name"],
    ] as const) {
      const response = await asToken("PATCH", `/api/customers/${id}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(response.body.error.details)).toContain(mentions);
    }
    expect((await asToken("GET", `/api/customers/${id}?fields=name`)).status).toBe(400);
    expect((await asToken("DELETE", `/api/customers/${id}`)).status).toBe(405);
  });
});
