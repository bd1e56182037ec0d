import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundAllowListSetting } from "../app/net/outbound-address-policy.server";
import { createTrigger } from "../app/triggers/triggers.server";
import { createWebhook } from "../app/webhooks/webhooks.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

// The admin screens of triggers (issue 14 item 2) over HTTP; what triggers do: tests/triggers-domain.test.ts.
const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let admin: Session;
let agent: Session;
let globexAdmin: Session;
let acmeMemberId: number;
let globexOnlyMemberId: number;
let acmeWebhookId: number;
let globexOnlyWebhookId: number;

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

/** A valid trigger form: on ticket updates, when priority changes to urgent, tag it and assign it. */
const form = (name = "Escalate urgent", extra: Fields = []): Fields => [
  ["intent", "save"],
  ["name", name],
  ["active", "on"],
  ["events", "ticket_updated"],
  ["events", "ticket_created"],
  ["match", "all"],
  ["conditions[0].field", "priority"],
  ["conditions[0].operator", "changed_to"],
  ["conditions[0].value", "urgent"],
  ["actions[0].type", "add_tags"],
  ["actions[0].value", "escalated, vip"],
  ["actions[1].type", "assign"],
  ["actions[1].value", String(acmeMemberId)],
  ...extra,
];
/** The form with one row's field replaced. */
const withField = (name: string, value: string, base = form()): Fields =>
  base.some(([key]) => key === name) ? base.map(([key, v]): [string, string] => [key, key === name ? value : v]) : [...base, [name, value]];

async function triggers(tenant = acme) {
  const { db, t } = platform.router.forTenant(tenant);
  return db.select().from(t.triggers).orderBy(t.triggers.position);
}

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform, { name: "Acme Rules" }), createTestTenant(platform, { name: "Globex Rules" })]);
  const acmeAdmin = await createMember(platform, acme, { email: "boss@rules.test", role: "admin" });
  admin = await sessionFor(platform, acme, acmeAdmin.id);
  const acmeAgent = await createMember(platform, acme, { email: "agent@rules.test", role: "agent", name: "Ann Agent" });
  acmeMemberId = acmeAgent.id;
  agent = await sessionFor(platform, acme, acmeAgent.id);
  const globexBoss = await createMember(platform, globex, { email: "boss@globex-rules.test", role: "admin" });
  globexAdmin = await sessionFor(platform, globex, globexBoss.id);
  let last = globexBoss.id;
  for (let i = 0; i < 5; i++) last = (await createMember(platform, globex, { email: `g${i}@globex-rules.test` })).id;
  globexOnlyMemberId = last;
  const deps = { sessionSecret: "s".repeat(40), outbound: { allowList: outboundAllowListSetting.parse("127.0.0.1"), requireHttps: false } };
  const hook = (tenant: TenantRecord, admin: number) =>
    createWebhook(platform.router.forTenant(tenant), { type: "agent", userId: admin }, deps, {
      url: "http://127.0.0.1:9/hook",
      description: "CRM",
      events: ["ticket.created"],
      active: true,
    });
  acmeWebhookId = await hook(acme, acmeAdmin.id);
  for (let i = 0; i < 4; i++) globexOnlyWebhookId = await hook(globex, globexBoss.id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("trigger settings", () => {
  it("are for admins: agents get 403 on every page and action, visitors go to sign in, and only admins see the tab", async () => {
    const [existing] = [
      await createTrigger(
        platform.router.forTenant(acme),
        { type: "system" },
        {
          name: "Existing",
          active: true,
          events: ["ticket_created"],
          match: "all",
          conditions: [],
          actions: [{ type: "add_tags", tags: ["x"] }],
        },
      ),
    ];
    for (const path of ["/settings/triggers", "/settings/triggers/new", `/settings/triggers/${existing!.id}`]) {
      expect((await get(path, agent)).status, path).toBe(403);
      expect((await get(path, null)).status, path).toBe(302);
    }
    expect((await post("/settings/triggers/new", form("By an agent"), agent)).status).toBe(403);
    expect((await post(`/settings/triggers/${existing!.id}`, form("Renamed by an agent"), agent)).status).toBe(403);
    expect(
      (
        await post(
          "/settings/triggers",
          [
            ["intent", "delete"],
            ["triggerId", String(existing!.id)],
          ],
          agent,
        )
      ).status,
    ).toBe(403);
    expect((await triggers()).map((row) => row.name)).toEqual(["Existing"]);
    expect(await (await get("/settings/profile", agent)).text()).not.toContain('href="/settings/triggers"');
    expect(await (await get("/settings/profile")).text()).toContain('href="/settings/triggers"');
    await platform.router.forTenant(acme).db.delete(platform.router.forTenant(acme).t.triggers);
  });

  it("creates a trigger from the form's rows, lists it, edits it, orders, switches and deletes triggers", async () => {
    const created = await post("/settings/triggers/new", form());
    expect(created.status).toBe(302);
    expect(created.headers.get("location")).toBe("/settings/triggers?notice=created");
    const [row] = await triggers();
    expect(row).toMatchObject({
      name: "Escalate urgent",
      active: true,
      events: ["ticket_created", "ticket_updated"],
      match: "all",
      conditions: [{ field: "priority", operator: "changed_to", value: "urgent" }],
      actions: [
        { type: "add_tags", tags: ["escalated", "vip"] },
        { type: "assign", assigneeId: acmeMemberId },
      ],
    });
    const list = await (await get("/settings/triggers?notice=created")).text();
    expect(list).toContain("Trigger created.");
    expect(list).toContain("Escalate urgent");

    const page = `/settings/triggers/${row!.id}`;
    const edit = await (await get(page)).text();
    expect(edit).toContain('value="Escalate urgent"');
    expect(edit).toContain("escalated vip");
    const saved = await post(page, [
      ...withField("name", "Escalate now", withField("actions[1].value", "nobody")).filter(([key]) => key !== "active"),
      ["actions[2].type", "call_webhook"],
      ["actions[2].value", String(acmeWebhookId)],
      ["actions[3].type", "email_customer"],
      ["actions[3].subject", "About #{{ticket.number}}"],
      ["actions[3].body", "Hi {{customer.first_name}}"],
    ]);
    expect(saved.status).toBe(302);
    expect((await triggers())[0]).toMatchObject({
      name: "Escalate now",
      active: false,
      actions: [
        { type: "add_tags", tags: ["escalated", "vip"] },
        { type: "assign", assigneeId: null },
        { type: "call_webhook", webhookId: acmeWebhookId },
        { type: "email_customer", subject: "About #{{ticket.number}}", body: "Hi {{customer.first_name}}" },
      ],
    });

    expect((await post("/settings/triggers/new", form("Second"))).status).toBe(302);
    const [first, second] = await triggers();
    expect(
      (
        await post("/settings/triggers", [
          ["intent", "up"],
          ["triggerId", String(second!.id)],
        ])
      ).status,
    ).toBe(200);
    expect((await triggers()).map((r) => r.name)).toEqual(["Second", "Escalate now"]);
    expect(
      (
        await post("/settings/triggers", [
          ["intent", "down"],
          ["triggerId", String(second!.id)],
        ])
      ).status,
    ).toBe(200);
    expect((await triggers()).map((r) => r.name)).toEqual(["Escalate now", "Second"]);
    const switched = await post("/settings/triggers", [
      ["intent", "on"],
      ["triggerId", String(first!.id)],
    ]);
    expect(await switched.text()).toContain("“Escalate now” is on.");
    expect((await triggers())[0]!.active).toBe(true);
    const deleted = await post("/settings/triggers", [
      ["intent", "delete"],
      ["triggerId", String(second!.id)],
    ]);
    expect(await deleted.text()).toContain("“Second” deleted.");
    expect((await triggers()).map((r) => r.name)).toEqual(["Escalate now"]);
  });

  it("adds and removes rows without JavaScript (Conform's list intents answer with the form)", async () => {
    const added = await post("/settings/triggers/new", [...form("Rows"), ["__intent__", JSON.stringify({ type: "insert", payload: { name: "conditions" } })]]);
    expect(added.status).toBe(200);
    const html = await added.text();
    expect(html).toContain("Condition 2: what");
    expect(html).not.toContain("Condition 3: what");
    expect(await triggers()).toHaveLength(1);
  });

  it("shows each bad input next to its field, keeps what was typed, and saves nothing", async () => {
    const before = await triggers();
    const cases: Array<[Fields, string, string]> = [
      [withField("name", ""), "Enter a name.", "name"],
      [withField("name", "Escalate NOW"), "A trigger named “Escalate NOW” already exists.", "name"],
      [form().filter(([key]) => key !== "events"), "Choose at least one event.", "events"],
      [withField("conditions[0].field", "ticket_secret"), "Choose a condition from the list.", "conditions[0].field"],
      [withField("conditions[0].operator", "matches_regex"), "Priority takes: is, is not, changed to, changed from.", "conditions[0].operator"],
      [withField("conditions[0].operator", "contains"), "Priority takes: is, is not, changed to, changed from.", "conditions[0].operator"],
      [withField("conditions[0].value", "critical"), "Choose a priority.", "conditions[0].value"],
      [withField("actions[0].type", "drop_table"), "Choose an action from the list.", "actions[0].type"],
      [withField("actions[0].value", "no spaces allowed!"), "Tags use letters, digits", "actions[0].value"],
      [withField("actions[1].value", String(globexOnlyMemberId)), "Choose an active member of this workspace, or nobody.", "actions[1].value"],
      [withField("actions[1].value", "1e3"), "Choose a member, or nobody.", "actions[1].value"],
      [
        [...form(), ["actions[2].type", "call_webhook"], ["actions[2].value", String(globexOnlyWebhookId)]],
        "Choose one of this workspace&#x27;s webhooks.",
        "actions[2].value",
      ],
      [[...form(), ["actions[2].type", "add_note"], ["actions[2].body", "Hi {{ticket.secret}}"]], "{{ticket.secret}} is not a placeholder", "actions[2].body"],
      [
        [...form(), ["actions[2].type", "email_address"], ["actions[2].value", "not-an-address"], ["actions[2].subject", "s"], ["actions[2].body", "b"]],
        "Enter an email address",
        "actions[2].value",
      ],
      [
        [...form(), ["conditions[1].field", "assignee"], ["conditions[1].operator", "is"], ["conditions[1].value", String(globexOnlyMemberId)]],
        "Choose a member of this workspace.",
        "conditions[1].value",
      ],
      [[...form().filter(([key]) => !key.startsWith("conditions")), ...conditionRows(51)], "A trigger has at most 50 conditions.", "conditions"],
    ];
    for (const [fields, message, field] of cases) {
      const response = await post("/settings/triggers/new", fields);
      expect(response.status, message).toBe(400);
      const html = await response.text();
      expect(html, message).toContain(message.replace(/“/g, "“"));
      // The message sits in the field's own error element, which the field points at.
      const errorId = new RegExp(`id="([^"]*${field.replace(/[[\].]/g, "\\$&")}-error)"[^>]*>(?:(?!</div>).)*${escape(message.slice(0, 20))}`, "s");
      expect(html, `${message} next to ${field}`).toMatch(errorId);
    }
    // What was typed survives a failed submit.
    const kept = await (await post("/settings/triggers/new", withField("conditions[0].value", "critical", withField("name", "Typed name")))).text();
    expect(kept).toContain('value="Typed name"');
    expect(await triggers()).toEqual(before);
  });

  it("refuses unknown form fields and 1,000 conditions outright", async () => {
    const before = await triggers();
    const unknown = await post("/settings/triggers/new", [...form("Sneaky"), ["conditions[0].evil", "1"]]);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("That form was not valid.");
    const position = await post("/settings/triggers/new", [...form("Sneaky"), ["position", "-1"]]);
    expect(position.status).toBe(400);
    const thousand: Fields = [...form("Huge").filter(([key]) => !key.startsWith("conditions")), ...conditionRows(1000)];
    const huge = await post("/settings/triggers/new", thousand);
    expect(huge.status).toBe(400);
    expect(await huge.text()).toContain("A trigger has at most 50 conditions and 20 actions.");
    expect(await triggers()).toEqual(before);
  });

  it("is per workspace: another workspace's trigger id is not found, and nothing of it changes", async () => {
    const [mine] = await triggers();
    expect((await get(`/settings/triggers/${mine!.id}`, globexAdmin, globex)).status).toBe(404);
    expect((await post(`/settings/triggers/${mine!.id}`, form("Hijack"), globexAdmin, globex)).status).toBe(404);
    for (const intent of ["off", "up", "delete"]) {
      expect(
        (
          await post(
            "/settings/triggers",
            [
              ["intent", intent],
              ["triggerId", String(mine!.id)],
            ],
            globexAdmin,
            globex,
          )
        ).status,
      ).toBe(404);
    }
    expect(await triggers()).toEqual([mine]);
    expect(await triggers(globex)).toHaveLength(0);
    expect(await (await get("/settings/triggers", globexAdmin, globex)).text()).not.toContain(mine!.name);
  });
});

/** `count` condition rows "priority is low". */
function conditionRows(count: number): Fields {
  return Array.from({ length: count }, (_, i): Fields => [
    [`conditions[${i}].field`, "priority"],
    [`conditions[${i}].operator`, "is"],
    [`conditions[${i}].value`, "low"],
  ]).flat();
}

/** The start of a message as it appears in HTML (quotes and apostrophes escaped by React). */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
