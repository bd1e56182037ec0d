import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket } from "../app/tickets/ticket-commands.server";
import { verifyWebhook, webhookHeaders } from "../app/webhooks/webhook-signing.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

// The admin screens of outbound webhooks (issue 14 item 4); delivery itself: tests/webhooks-delivery.test.ts.
const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let admin: Session;
let agent: Session;
let globexAdmin: Session;

type Session = { cookie: string; csrf: string };
type Fields = Array<[string, string]>;

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const get = (path: string, session: Session | null = admin, tenant = acme) =>
  server.request(host(tenant), path, { headers: session ? { cookie: session.cookie } : {} });
const post = (path: string, fields: Fields, session = admin, tenant = acme) =>
  server.request(host(tenant), path, {
    method: "POST",
    body: new URLSearchParams([["csrf", session.csrf], ...fields]).toString(),
    headers: postHeaders(`http://${host(tenant)}`, { cookie: session.cookie }),
  });
const form = (url: string, events: string[] = ["ticket.created"], extra: Fields = [["active", "on"]]): Fields => [
  ["intent", "save"],
  ["url", url],
  ["description", "CRM sync"],
  ...events.map((event): [string, string] => ["events", event]),
  ...extra,
];

async function webhooks(tenant = acme) {
  const { db, t } = platform.router.forTenant(tenant);
  return db.select().from(t.webhooks).orderBy(t.webhooks.id);
}

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform, { name: "Acme Hooks" }), createTestTenant(platform, { name: "Globex Hooks" })]);
  admin = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "boss@hooks.test", role: "admin" })).id);
  agent = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "agent@hooks.test", role: "agent" })).id);
  globexAdmin = await sessionFor(platform, globex, (await createMember(platform, globex, { email: "boss@globex-hooks.test", role: "admin" })).id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("webhook settings", () => {
  it("are for admins: agents get 403 on every page and action, visitors go to sign in", async () => {
    expect((await get("/settings/webhooks", agent)).status).toBe(403);
    expect((await get("/settings/webhooks/new", agent)).status).toBe(403);
    expect((await post("/settings/webhooks/new", form("https://hooks.example.com/a"), agent)).status).toBe(403);
    expect((await get("/settings/webhooks", null)).status).toBe(302);
    expect(await webhooks()).toHaveLength(0);
    const nav = await (await get("/settings/profile", agent)).text();
    expect(nav).not.toContain('href="/settings/webhooks"');
  });

  it("creates a webhook, lists it, reveals and rotates its secret (which then signs), edits and deletes it", async () => {
    const created = await post("/settings/webhooks/new", form("https://hooks.example.com/conductor", ["ticket.created", "message.created"]));
    expect(created.status).toBe(302);
    const [row] = await webhooks();
    expect(created.headers.get("location")).toBe(`/settings/webhooks/${row!.id}?notice=created`);
    expect(row).toMatchObject({
      url: "https://hooks.example.com/conductor",
      events: ["ticket.created", "message.created"],
      active: true,
      description: "CRM sync",
    });
    const list = await (await get("/settings/webhooks")).text();
    expect(list).toContain("https://hooks.example.com/conductor");
    expect(list).toContain("No deliveries yet.");

    const page = `/settings/webhooks/${row!.id}`;
    const shown = await (await get(page)).text();
    expect(shown).not.toContain("whsec_");
    const revealed = /whsec_[A-Za-z0-9+/=]+/.exec(await (await post(page, [["intent", "reveal"]])).text())![0];
    const rotated = /whsec_[A-Za-z0-9+/=]+/.exec(await (await post(page, [["intent", "rotate"]])).text())![0];
    expect(rotated).not.toBe(revealed);
    const signature = webhookHeaders(rotated, "msg_1", "{}");
    expect(verifyWebhook(rotated, { id: "msg_1", timestamp: signature["webhook-timestamp"]!, signature: signature["webhook-signature"]! }, "{}")).toBe(true);
    expect(verifyWebhook(revealed, { id: "msg_1", timestamp: signature["webhook-timestamp"]!, signature: signature["webhook-signature"]! }, "{}")).toBe(false);

    const saved = await post(page, form("https://hooks.example.com/v2", ["ticket.updated"], []));
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("Webhook saved.");
    expect((await webhooks())[0]).toMatchObject({ url: "https://hooks.example.com/v2", events: ["ticket.updated"], active: false });

    const deleted = await post(page, [["intent", "delete"]]);
    expect(deleted.headers.get("location")).toBe("/settings/webhooks?notice=deleted");
    expect(await webhooks()).toHaveLength(0);
  });

  it("shows each bad input next to its field and saves nothing", async () => {
    const cases: Array<[Fields, string]> = [
      [form("not a url"), "Enter a full https:// URL."],
      [form("ftp://files.example.com/x"), "Enter a full https:// URL."],
      [form("https://user:pw@hooks.example.com/x"), "Put credentials in the secret, not the URL."],
      [form(`https://hooks.example.com/${"a".repeat(2100)}`), "Keep the URL under 2,000 characters."],
      [form("https://hooks.example.com/x", []), "Choose at least one event."],
      [form("https://hooks.example.com/x", ["ticket.deleted"]), "Choose events from the list."],
      [form("http://10.0.0.7/hook"), "which Conductor does not send events to"],
      [form("http://localhost:3000/hook"), "which Conductor does not send events to"],
      [form("http://[::1]/hook"), "which Conductor does not send events to"],
    ];
    for (const [fields, message] of cases) {
      const response = await post("/settings/webhooks/new", fields);
      expect(response.status, message).toBe(400);
      expect(await response.text()).toContain(message.replace(/'/g, "&#x27;"));
    }
    expect(await webhooks()).toHaveLength(0);
  });

  it("sends a test event and lists deliveries; redelivering another webhook's delivery or an unknown one is refused", async () => {
    await post("/settings/webhooks/new", form("https://hooks.example.com/log", ["ticket.created"]));
    const [hook] = await webhooks();
    const page = `/settings/webhooks/${hook!.id}`;
    expect(await (await post(page, [["intent", "test"]])).text()).toContain("Test event queued");
    const handle = platform.router.forTenant(acme);
    await createTicket(
      handle,
      { type: "system" },
      { customer: { name: "Lou", email: "lou@customers.test" }, subject: "Logged", message: "Hi", channel: "api" },
    );
    const html = await (await get(page)).text();
    expect(html.match(/data-testid="delivery"/g)).toHaveLength(2);
    expect(html).toContain("webhook.test");
    expect(html).toContain("ticket.created");
    const [pending] = await handle.db
      .select({ id: handle.t.webhookDeliveries.id })
      .from(handle.t.webhookDeliveries)
      .where(eq(handle.t.webhookDeliveries.webhookId, hook!.id));
    expect(
      await (
        await post(page, [
          ["intent", "redeliver"],
          ["deliveryId", String(pending!.id)],
        ])
      ).text(),
    ).toContain("still being sent");
    expect(
      (
        await post(page, [
          ["intent", "redeliver"],
          ["deliveryId", "999999"],
        ])
      ).status,
    ).toBe(404);
    expect(
      (
        await post(page, [
          ["intent", "redeliver"],
          ["deliveryId", "x"],
        ])
      ).status,
    ).toBe(404);
    expect((await post(page, [["intent", "explode"]])).status).toBe(400);
  });

  it("keeps workspaces apart: another workspace's webhook is a 404 for every page and action", async () => {
    await post("/settings/webhooks/new", form("https://hooks.example.com/acme-only"));
    const acmeHook = (await webhooks()).at(-1)!;
    const page = `/settings/webhooks/${acmeHook.id}`;
    expect((await get(page, globexAdmin, globex)).status).toBe(404);
    for (const intent of ["reveal", "rotate", "test", "delete"]) {
      expect((await post(page, [["intent", intent]], globexAdmin, globex)).status, intent).toBe(404);
    }
    expect((await post(page, form("https://evil.example.com/steal"), globexAdmin, globex)).status).toBe(404);
    expect((await webhooks()).at(-1)).toMatchObject({ url: "https://hooks.example.com/acme-only" });
    expect(await (await get("/settings/webhooks", globexAdmin, globex)).text()).not.toContain("acme-only");
    expect((await get("/settings/webhooks/abc")).status).toBe(404);
  });
});
