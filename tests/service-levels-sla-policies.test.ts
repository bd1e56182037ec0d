import { eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentActor } from "../app/activity/actor";
import { savePortalSettings } from "../app/portal/portal-settings.server";
import { createSlaPolicy, listSlaPolicies } from "../app/service-levels/sla-policies.server";
import { formatDuration, parseDuration, slaPolicySchema } from "../app/service-levels/sla-policy-schema";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let admin: { cookie: string; csrf: string };
let agent: { cookie: string; csrf: string };
let euSupport: number;
let globexScheduleId: number;
let globexPolicyId: number;

type Fields = Array<[string, string]>;

const host = () => `${acme.slug}.localhost`;
const acmeDb = () => platform.router.forTenant(acme);
const get = (path: string, cookie = admin.cookie) => server.request(host(), path, { headers: cookie ? { cookie } : {} });
const post = (path: string, fields: Fields, session = admin) =>
  server.request(host(), path, {
    method: "POST",
    body: new URLSearchParams([["csrf", session.csrf], ...fields]).toString(),
    headers: postHeaders(`http://${host()}`, { cookie: session.cookie }),
  });

/** A valid policy form: urgent targets on the calendar clock, without the base fields named in `omit`, plus `extra`. */
const policyForm = (name: string, extra: Fields = [], omit: string[] = []): Fields => [
  ...(
    [
      ["name", name],
      ["active", "on"],
      ["targets.urgent.firstReply", "1h"],
      ["scheduleId", "calendar"],
      ["pausedStatuses", "pending"],
      ["pausedStatuses", "on_hold"],
    ] as Fields
  ).filter(([field]) => !omit.includes(field)),
  ...extra,
];

const policies = () => listSlaPolicies(acmeDb());
const policyActivity = async () => {
  const { db, t } = acmeDb();
  return db.select().from(t.activityLogs).where(like(t.activityLogs.action, "sla_policy.%")).orderBy(t.activityLogs.id);
};
/** Everything a refused request must leave as it was. */
const snapshot = async () => ({ policies: await policies(), activity: (await policyActivity()).length });
const mainText = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/\s+/g, " ");

/** The checkbox input for one value of a field, as the page renders it. */
const checkbox = (html: string, name: string, value: string) =>
  html.match(/<input [^>]*>/g)?.find((input) => input.includes(`name="${name}"`) && input.includes(`value="${value}"`) && input.includes('type="checkbox"'));

async function insertSchedule(tenant: TenantRecord, name: string, isDefault: boolean) {
  const { db, t } = platform.router.forTenant(tenant);
  const [row] = await db
    .insert(t.businessSchedules)
    .values({ name, timeZone: "Europe/Berlin", periods: [{ weekday: 1, start: "09:00", end: "17:00" }], holidays: [], isDefault })
    .returning({ id: t.businessSchedules.id });
  return row!.id;
}

beforeAll(async () => {
  acme = await createTestTenant(platform, { name: "Acme Rockets" });
  globex = await createTestTenant(platform, { name: "Globex" });
  admin = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "boss@sla-policies.test", role: "admin" })).id);
  agent = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "agent@sla-policies.test", role: "agent" })).id);
  euSupport = await insertSchedule(acme, "EU support", true);
  // Each schema numbers its rows from 1: Globex's second schedule and tenth policy carry ids that name nothing in Acme.
  await insertSchedule(globex, "Globex weekdays", true);
  globexScheduleId = await insertSchedule(globex, "Globex nights", false);
  const globexAdmin = await createMember(platform, globex, { email: "boss@globex-sla.test", role: "admin" });
  for (let index = 1; index <= 10; index++) {
    globexPolicyId = await createSlaPolicy(platform.router.forTenant(globex), agentActor(globexAdmin), {
      ...slaPolicySchema.parse({ name: `Globex ${index}`, active: true, targets: { normal: { firstReply: "30" } }, scheduleId: "calendar" }),
    });
  }
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("SLA policy settings: who may use them", () => {
  it("are for admins: agents get 403, signed-out visitors go to sign-in", async () => {
    expect((await get("/settings/sla")).status).toBe(200);
    expect((await get("/settings/sla/new")).status).toBe(200);
    for (const path of ["/settings/sla", "/settings/sla/new"]) {
      expect((await get(path, agent.cookie)).status, path).toBe(403);
      expect((await post(path, policyForm("By an agent"), agent)).status, path).toBe(403);
      const signedOut = await get(path, "");
      expect(signedOut.status, path).toBe(302);
      expect(signedOut.headers.get("location"), path).toBe(`/login?${new URLSearchParams({ redirectTo: path })}`);
    }
    expect(await policies()).toEqual([]);
  });

  it("are in the settings navigation for admins only", async () => {
    expect(await (await get("/settings/profile")).text()).toContain('href="/settings/sla"');
    expect(await (await get("/settings/profile", agent.cookie)).text()).not.toContain('href="/settings/sla"');
  });
});

describe("SLA policies: create, reorder, edit, deactivate, delete", () => {
  it("creates policies in order, reading durations typed as minutes or as days, hours and minutes", async () => {
    const urgent = await post(
      "/settings/sla/new",
      policyForm(
        "Urgent email",
        [
          ["conditions.priorities", "urgent"],
          ["conditions.priorities", "high"],
          ["conditions.channels", "email"],
          ["targets.urgent.resolution", "1d 4h"],
          ["targets.high.firstReply", "240"],
          ["targets.high.nextReply", "90m"],
          ["scheduleId", String(euSupport)],
          ["warnBeforeMinutes", "1h"],
        ],
        ["scheduleId"],
      ),
    );
    expect(urgent.status).toBe(302);
    expect(urgent.headers.get("location")).toBe("/settings/sla?notice=created");

    const vip = await post(
      "/settings/sla/new",
      policyForm("VIP customers", [
        ["conditions.tags", " VIP, Enterprise  vip"],
        ["conditions.customerDomains", "@Example.COM, example.org"],
      ]),
    );
    expect(vip.status).toBe(302);
    const fallback = await post("/settings/sla/new", policyForm("Everyone else", [["targets.normal.resolution", "2h 30m"]], ["pausedStatuses"]));
    expect(fallback.status).toBe(302);

    const created = await policies();
    expect(created.map(({ name, position }) => [name, position])).toEqual([
      ["Urgent email", 1],
      ["VIP customers", 2],
      ["Everyone else", 3],
    ]);
    expect(created[0]).toMatchObject({
      active: true,
      conditions: { priorities: ["urgent", "high"], channels: ["email"], tags: [], customerDomains: [], categories: [] },
      targets: { urgent: { firstReply: 60, resolution: 1680 }, high: { firstReply: 240, nextReply: 90 } },
      scheduleId: euSupport,
      scheduleName: "EU support",
      pausedStatuses: ["on_hold", "pending"],
      warnBeforeMinutes: 60,
    });
    expect(created[1]!.conditions).toMatchObject({ tags: ["vip", "enterprise"], customerDomains: ["example.com", "example.org"] });
    expect(created[2]).toMatchObject({ scheduleId: null, pausedStatuses: [], targets: { urgent: { firstReply: 60 }, normal: { resolution: 150 } } });
    // No warning field at all: no warning (the form itself starts at 30m).
    expect(created[2]!.warnBeforeMinutes).toBe(0);

    const activity = await policyActivity();
    expect(activity.map((entry) => [entry.action, entry.entityId])).toEqual(created.map((policy) => ["sla_policy.created", policy.id]));
    expect(activity[0]!.changes).toMatchObject({ name: { from: null, to: "Urgent email" }, position: { from: null, to: 1 } });

    const page = await get("/settings/sla?notice=created");
    const text = mainText(await page.text());
    expect(text).toContain("Policy created.");
    expect(text).toContain("the first active policy whose conditions match a ticket applies to it");
    expect(text).toContain(
      "Urgent email Active Priority: Urgent, High · Channel: Email Business hours: EU support First reply: Urgent 1h, High 4h Resolution: Urgent 28h",
    );
    expect(text).toContain("VIP customers Active Tag: vip, enterprise · Customer domain: example.com, example.org Calendar hours First reply: Urgent 1h");
    expect(text).toContain("Everyone else Active Every ticket Calendar hours First reply: Urgent 1h Resolution: Normal 2h 30m");
  });

  it("moves a policy up or down, keeping positions 1…n; at either end nothing moves", async () => {
    const [urgent, vip, fallback] = await policies();
    const move = (policyId: number, direction: string) =>
      post("/settings/sla", [
        ["policyId", String(policyId)],
        ["direction", direction],
      ]);
    expect((await move(fallback!.id, "up")).status).toBe(200);
    expect((await policies()).map(({ name, position }) => [name, position])).toEqual([
      ["Urgent email", 1],
      ["Everyone else", 2],
      ["VIP customers", 3],
    ]);
    expect((await move(urgent!.id, "down")).status).toBe(200);
    const before = await snapshot();
    expect((await move(vip!.id, "down")).status).toBe(200);
    expect((await move(fallback!.id, "up")).status).toBe(200);
    expect(await snapshot()).toEqual(before);
    expect(before.policies.map(({ name, position }) => [name, position])).toEqual([
      ["Everyone else", 1],
      ["Urgent email", 2],
      ["VIP customers", 3],
    ]);
    const moves = (await policyActivity()).filter((entry) => entry.action === "sla_policy.moved");
    expect(moves.map((entry) => [entry.entityId, entry.changes])).toEqual([
      [fallback!.id, { position: { from: 3, to: 2 } }],
      [urgent!.id, { position: { from: 1, to: 2 } }],
    ]);

    const page = mainText(await (await get("/settings/sla")).text());
    expect(page.indexOf("Everyone else")).toBeLessThan(page.indexOf("Urgent email"));
    expect(page.indexOf("Urgent email")).toBeLessThan(page.indexOf("VIP customers"));
  });

  it("shows a policy in its form with durations as hours and minutes, and saves an edit", async () => {
    const urgent = (await policies()).find((policy) => policy.name === "Urgent email")!;
    const html = await (await get(`/settings/sla/${urgent.id}`)).text();
    expect(html).toContain('value="Urgent email"');
    expect(html).toContain('value="28h"');
    expect(html).toContain('value="1h 30m"');
    expect(html).toMatch(/<option value="\d+" selected="">Business hours: EU support \(default\)<\/option>/);

    const saved = await post(
      `/settings/sla/${urgent.id}`,
      policyForm("Urgent by email", [
        ["conditions.priorities", "urgent"],
        ["targets.urgent.resolution", "480"],
      ]),
    );
    expect(saved.status).toBe(302);
    expect(saved.headers.get("location")).toBe("/settings/sla?notice=saved");
    const edited = (await policies()).find((policy) => policy.id === urgent.id)!;
    expect(edited).toMatchObject({
      name: "Urgent by email",
      position: urgent.position,
      conditions: { priorities: ["urgent"], channels: [] },
      targets: { urgent: { firstReply: 60, resolution: 480 } },
      scheduleId: null,
    });
    const [entry] = (await policyActivity()).filter((row) => row.action === "sla_policy.updated");
    expect(entry).toMatchObject({
      entityId: urgent.id,
      changes: { name: { from: "Urgent email", to: "Urgent by email" }, scheduleId: { from: euSupport, to: null } },
    });
    expect(Object.keys(entry!.changes!)).not.toContain("pausedStatuses");
  });

  it("deactivates a policy: it stays in the list, marked inactive", async () => {
    const vip = (await policies()).find((policy) => policy.name === "VIP customers")!;
    const saved = await post(`/settings/sla/${vip.id}`, policyForm("VIP customers", [["conditions.tags", "vip"]], ["active"]));
    expect(saved.status).toBe(302);
    expect((await policies()).find((policy) => policy.id === vip.id)?.active).toBe(false);
    expect(mainText(await (await get("/settings/sla")).text())).toContain("VIP customers Inactive Tag: vip");
  });

  it("refuses a second policy with the same name in any case, keeping what was typed", async () => {
    const before = await snapshot();
    const response = await post("/settings/sla/new", policyForm("everyone ELSE", [["targets.low.firstReply", "17h"]]));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Another policy already has this name.");
    expect(html).toContain('value="everyone ELSE"');
    expect(html).toContain('value="17h"');
    const vip = before.policies.find((policy) => policy.name === "VIP customers")!;
    const renamed = await post(`/settings/sla/${vip.id}`, policyForm("Urgent BY Email"));
    expect(renamed.status).toBe(400);
    expect(await renamed.text()).toContain("Another policy already has this name.");
    expect(await snapshot()).toEqual(before);
  });

  it("deletes a policy and closes the gap in the order", async () => {
    const [first] = await policies();
    const deleted = await post(`/settings/sla/${first!.id}`, [["intent", "delete"]]);
    expect(deleted.status).toBe(302);
    expect(deleted.headers.get("location")).toBe("/settings/sla?notice=deleted");
    expect((await policies()).map(({ name, position }) => [name, position])).toEqual([
      ["Urgent by email", 1],
      ["VIP customers", 2],
    ]);
    const entry = (await policyActivity()).at(-1)!;
    expect(entry).toMatchObject({ action: "sla_policy.deleted", entityId: first!.id, changes: { name: { from: "Everyone else", to: null } } });
    expect((await get(`/settings/sla/${first!.id}`)).status).toBe(404);
    expect((await post(`/settings/sla/${first!.id}`, [["intent", "delete"]])).status).toBe(404);
  });
  it("offers the portal's request categories as a condition", async () => {
    await savePortalSettings(acmeDb(), { type: "system" }, { categories: ["Billing", "Launch problems"] });
    const form = await (await get("/settings/sla/new")).text();
    expect(checkbox(form, "conditions.categories", "Launch problems")).not.toContain("checked");
    const created = await post("/settings/sla/new", policyForm("Billing requests", [["conditions.categories", "Billing"]]));
    expect(created.status).toBe(302);
    const billing = (await policies()).at(-1)!;
    expect(billing).toMatchObject({ name: "Billing requests", position: 3, conditions: { categories: ["Billing"] } });
    expect(mainText(await (await get("/settings/sla")).text())).toContain("Billing requests Active Category: Billing Calendar hours");
    // Once the portal drops the category, a policy that names it still shows it, checked.
    await savePortalSettings(acmeDb(), { type: "system" }, { categories: [] });
    expect(checkbox(await (await get(`/settings/sla/${billing.id}`)).text(), "conditions.categories", "Billing")).toContain('checked=""');
  });
});

describe("SLA policies: hostile input", () => {
  it("refuses targets that are negative, zero, too long, not numbers or not durations, next to the field and keeping the value", async () => {
    const before = await snapshot();
    for (const value of ["-5", "0", "525601", "99999999999999999999", "abc", "1.5h", "2 weeks", "1e3", "0x10", "h", "9".repeat(10_000)]) {
      const response = await post("/settings/sla/new", policyForm(`Bad target ${value.slice(0, 20)}`, [["targets.normal.resolution", value]]));
      expect(response.status, value).toBe(400);
      const html = await response.text();
      expect(html, value).toContain("Enter minutes, or a time such as 90m, 2h or 1d 4h (from 1 minute to 365 days).");
      expect(html, value).toMatch(/id="[^"]*-targets\.normal\.resolution-error"/);
      if (value.length < 100) expect(html, value).toContain(`value="${value}"`);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a warning time that is not a duration or longer than 7 days", async () => {
    const before = await snapshot();
    for (const value of ["-5", "soon", "8d", "9".repeat(200)]) {
      const response = await post("/settings/sla/new", policyForm(`Bad warning ${value.slice(0, 20)}`, [["warnBeforeMinutes", value]]));
      expect(response.status, value).toBe(400);
      expect(await response.text(), value).toContain("0 sends no warning.");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("needs at least one target", async () => {
    const before = await snapshot();
    const response = await post("/settings/sla/new", policyForm("No targets", [["targets.low.firstReply", ""]], ["targets.urgent.firstReply"]));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Set at least one target.");
    // A target for a priority that does not exist is no target.
    const unknown = await post("/settings/sla/new", policyForm("Critical only", [["targets.critical.firstReply", "5"]], ["targets.urgent.firstReply"]));
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("Set at least one target.");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses priorities, channels and paused statuses outside the lists, and a schedule that is not this workspace's", async () => {
    const before = await snapshot();
    const cases: Array<[Fields, string[], string]> = [
      [[["conditions.priorities", "critical"]], [], "Choose priorities from the list."],
      [[["conditions.channels", "carrier-pigeon"]], [], "Choose channels from the list."],
      [[["pausedStatuses", "solved"]], [], "Choose statuses from the list."],
      [[["pausedStatuses", "closed"]], [], "Choose statuses from the list."],
      [[["scheduleId", String(globexScheduleId)]], ["scheduleId"], "Choose business hours from the list, or calendar hours."],
      [[["scheduleId", "not-a-schedule"]], ["scheduleId"], "Choose business hours from the list, or calendar hours."],
      [[["scheduleId", "-1"]], ["scheduleId"], "Choose business hours from the list, or calendar hours."],
      [[], ["scheduleId"], "Choose business hours from the list, or calendar hours."],
      [[["conditions.customerDomains", "example.com, not a domain!"]], [], "List email domains such as example.com, separated by commas."],
      [[["conditions.tags", "vip, <script>"]], [], "Tags use letters, digits, '-', '_' and '.', without spaces."],
      [[["name", "x".repeat(10_000)]], ["name"], "Keep the name under 80 characters."],
      [[["name", "   "]], ["name"], "Name the policy."],
    ];
    const { db, t } = acmeDb();
    expect(await db.select().from(t.businessSchedules).where(eq(t.businessSchedules.id, globexScheduleId))).toEqual([]);
    for (const [extra, omit, message] of cases) {
      const response = await post("/settings/sla/new", policyForm("Hostile", extra, omit));
      expect(response.status, message).toBe(400);
      expect(mainText(await response.text()), JSON.stringify(extra).slice(0, 200)).toContain(message);
    }
    const [existing] = before.policies;
    const moved = await post(`/settings/sla/${existing!.id}`, policyForm(existing!.name, [["scheduleId", String(globexScheduleId)]], ["scheduleId"]));
    expect(moved.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it("answers 404 for another workspace's policy, whatever the request", async () => {
    const before = await snapshot();
    expect(before.policies.some((policy) => policy.id === globexPolicyId)).toBe(false);
    expect((await get(`/settings/sla/${globexPolicyId}`)).status).toBe(404);
    expect((await post(`/settings/sla/${globexPolicyId}`, policyForm("Taken over"))).status).toBe(404);
    expect((await post(`/settings/sla/${globexPolicyId}`, [["intent", "delete"]])).status).toBe(404);
    const move = await post("/settings/sla", [
      ["policyId", String(globexPolicyId)],
      ["direction", "up"],
    ]);
    expect(move.status).toBe(404);
    for (const path of ["/settings/sla/0", "/settings/sla/1e3", "/settings/sla/abc", "/settings/sla/99999999999999999999"]) {
      expect((await get(path)).status, path).toBe(404);
    }
    expect((await post("/settings/sla", [["direction", "sideways"]])).status).toBe(400);
    expect(await snapshot()).toEqual(before);
    expect((await listSlaPolicies(platform.router.forTenant(globex))).map((policy) => policy.name)).toEqual(
      Array.from({ length: 10 }, (_, index) => `Globex ${index + 1}`),
    );
  });
});

describe("the policy form's durations", () => {
  it("reads minutes, and days, hours and minutes in a few spellings", () => {
    expect(parseDuration("90")).toBe(90);
    expect(parseDuration("90m")).toBe(90);
    expect(parseDuration("2h")).toBe(120);
    expect(parseDuration("1d 4h")).toBe(1680);
    expect(parseDuration("1h30m")).toBe(90);
    expect(parseDuration(" 2 hours, 15 min ")).toBe(135);
    expect(parseDuration("1D")).toBe(1440);
    for (const unreadable of ["", "h", "1.5h", "-5", "1 week", "5 4", "0x10"]) expect(parseDuration(unreadable), unreadable).toBeNull();
  });

  it("shows minutes as hours and minutes, which read back as the same minutes", () => {
    for (const [minutes, text] of [
      [1, "1m"],
      [45, "45m"],
      [60, "1h"],
      [90, "1h 30m"],
      [1680, "28h"],
      [525_600, "8760h"],
    ] as const) {
      expect(formatDuration(minutes)).toBe(text);
      expect(parseDuration(text)).toBe(minutes);
    }
  });
});
