import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPortalSettings } from "../../app/portal/portal-settings.server";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { createMember, postHeaders, sessionFor } from "../support/auth";
import { createTestTenant, openTestPlatform } from "../support/test-platform";
import { startTestServer, type TestServer } from "../support/test-server";

// Conform builds arrays from the indexes in field names: `categories[99999999]=x` alone was a list of a
// hundred million slots, echoed back in the answer. Every form action now refuses an index past 999.
const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let admin: { cookie: string; csrf: string };

beforeAll(async () => {
  acme = await createTestTenant(platform);
  admin = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "root@indexes.test", role: "admin" })).id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = () => `${acme.slug}.localhost`;
const post = (path: string, fields: Array<[string, string]>, cookie?: string) =>
  server.request(host(), path, {
    method: "POST",
    body: new URLSearchParams(fields).toString(),
    headers: postHeaders(`http://${host()}`, cookie ? { cookie } : {}),
  });

describe("form list indexes", () => {
  it("refuses a huge index in an admin form at once, small and with nothing saved", async () => {
    const before = await getPortalSettings(platform.router.forTenant(acme));
    for (const index of ["100000000", "1000", "00000000000000000001000"]) {
      const started = Date.now();
      const response = await post(
        "/settings/portal",
        [
          ["csrf", admin.csrf],
          ["accentColor", "#123456"],
          [`categories[${index}]`, "Billing"],
        ],
        admin.cookie,
      );
      const body = await response.text();
      expect(response.status, index).toBe(400);
      expect(body.length, index).toBeLessThan(50_000);
      expect(Date.now() - started, index).toBeLessThan(5_000);
    }
    expect(await getPortalSettings(platform.router.forTenant(acme))).toEqual(before);
  });

  it("refuses it on a public form too, and still takes the lists forms really send", async () => {
    const refused = await post("/portal/new", [
      ["name", "Bot"],
      ["email", "bot@example.test"],
      ["tags[123456789]", "x"],
    ]);
    expect(refused.status).toBe(400);
    const saved = await post(
      "/settings/portal",
      [
        ["csrf", admin.csrf],
        ["accentColor", "#123456"],
        ["categories[0]", "Billing"],
        ["categories[1]", "Shipping"],
      ],
      admin.cookie,
    );
    expect(saved.status).toBeLessThan(400);
    expect((await getPortalSettings(platform.router.forTenant(acme))).categories).toEqual(["Billing", "Shipping"]);
  });
});
