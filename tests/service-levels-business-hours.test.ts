import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
let globexAdmin: { cookie: string; csrf: string };

const PAGE = "/settings/business-hours";
type Period = [weekday: number, start: string, end: string];
type Schedule = { name: string; timeZone: string; periods?: Period[]; holidays?: Array<[date: string, name: string]> };

const host = (tenant = acme) => `${tenant.slug}.localhost`;
const get = (path: string, cookie = admin.cookie) => server.request(host(), path, { headers: cookie ? { cookie } : {} });
const post = (path: string, fields: Array<[string, string]>, session = admin, tenant = acme) =>
  server.request(host(tenant), path, {
    method: "POST",
    body: new URLSearchParams([["csrf", session.csrf], ...fields]).toString(),
    headers: postHeaders(`http://${host(tenant)}`, { cookie: session.cookie }),
  });

function scheduleFields({ name, timeZone, periods = [[1, "09:00", "17:00"]], holidays = [] }: Schedule): Array<[string, string]> {
  return [
    ["intent", "save"],
    ["name", name],
    ["timeZone", timeZone],
    ...periods.flatMap(([weekday, start, end], i): Array<[string, string]> => [
      [`periods[${i}].weekday`, String(weekday)],
      [`periods[${i}].start`, start],
      [`periods[${i}].end`, end],
    ]),
    ...holidays.flatMap(([date, holidayName], i): Array<[string, string]> => [
      [`holidays[${i}].date`, date],
      [`holidays[${i}].name`, holidayName],
    ]),
  ];
}
const save = (schedule: Schedule, editId?: number) => post(editId ? `${PAGE}?edit=${editId}` : PAGE, scheduleFields(schedule));
const change = (intent: "make-default" | "delete", scheduleId: number | string, session = admin) =>
  post(
    PAGE,
    [
      ["intent", intent],
      ["scheduleId", String(scheduleId)],
    ],
    session,
  );

async function schedules(tenant = acme) {
  const { db, t } = platform.router.forTenant(tenant);
  return db
    .select({
      id: t.businessSchedules.id,
      name: t.businessSchedules.name,
      timeZone: t.businessSchedules.timeZone,
      periods: t.businessSchedules.periods,
      holidays: t.businessSchedules.holidays,
      isDefault: t.businessSchedules.isDefault,
    })
    .from(t.businessSchedules)
    .orderBy(asc(t.businessSchedules.id));
}
async function scheduleActivity(tenant = acme) {
  const { db, t } = platform.router.forTenant(tenant);
  return db
    .select({ action: t.activityLogs.action, entityId: t.activityLogs.entityId, actorUserId: t.activityLogs.actorUserId, changes: t.activityLogs.changes })
    .from(t.activityLogs)
    .where(eq(t.activityLogs.entityType, "business_schedule"))
    .orderBy(asc(t.activityLogs.id));
}
const globexDb = () => platform.router.forTenant(globex);
/** What the database holds now, to compare after a refused submit. */
const snapshot = async (tenant = acme) => ({ schedules: await schedules(tenant), activity: await scheduleActivity(tenant) });

async function savedId(response: Response): Promise<number> {
  expect(
    response.status,
    await response
      .clone()
      .text()
      .then((html) => html.slice(0, 500)),
  ).toBe(302);
  const location = response.headers.get("location") ?? "";
  const match = /^\/settings\/business-hours\?saved=(\d+)$/.exec(location);
  expect(match, location).not.toBeNull();
  return Number(match![1]);
}

const WEEKDAYS_SPLIT: Period[] = [1, 2, 3, 4, 5].flatMap((day): Period[] => [
  [day, "13:00", "17:30"],
  [day, "08:00", "12:00"],
]);

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform, { name: "Acme Rockets" }), createTestTenant(platform, { name: "Globex" })]);
  admin = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "boss@hours.test", role: "admin" })).id);
  agent = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "agent@hours.test", role: "agent" })).id);
  globexAdmin = await sessionFor(platform, globex, (await createMember(platform, globex, { email: "boss@globex-hours.test", role: "admin" })).id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("business hours settings", () => {
  it("are for admins only: agents get 403, visitors are sent to sign in", async () => {
    expect((await get(PAGE)).status).toBe(200);
    expect((await get(PAGE, agent.cookie)).status).toBe(403);
    expect((await post(PAGE, scheduleFields({ name: "Agent's hours", timeZone: "UTC" }), agent)).status).toBe(403);
    const visitor = await get(PAGE, "");
    expect(visitor.status).toBe(302);
    expect(visitor.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
    expect(await schedules()).toEqual([]);
  });

  it("lets an admin create, edit, make default and delete schedules, each change in the activity log", async () => {
    const empty = await (await get(PAGE)).text();
    expect(empty).toContain("No schedules yet. The first one you create becomes the default.");

    const supportId = await savedId(
      await save({
        name: "Support hours",
        timeZone: "europe/berlin",
        periods: WEEKDAYS_SPLIT,
        holidays: [
          ["2026-12-26", "Boxing Day"],
          ["2026-12-25", "Christmas Day"],
        ],
      }),
    );
    const nightId = await savedId(
      await save({
        name: "Night shift",
        timeZone: "America/New_York",
        periods: [
          [5, "22:00", "02:00"],
          [6, "22:00", "06:00"],
        ],
        holidays: [["2026-11-26", "Thanksgiving"]],
      }),
    );
    const alwaysId = await savedId(
      await save({ name: "Around the clock", timeZone: "UTC", periods: [1, 2, 3, 4, 5, 6, 7].map((day): Period => [day, "00:00", "24:00"]) }),
    );
    // A schedule that never opens would stop every clock measured in it for good.
    const closed = await save({ name: "Closed", timeZone: "Asia/Tokyo", periods: [] });
    expect(closed.status).toBe(400);
    expect(await closed.text()).toContain("Add at least one opening period.");

    const [support, night] = await schedules();
    // The first schedule became the default; the zone is stored as the runtime spells it; rows in week and date order.
    expect(support).toMatchObject({ id: supportId, name: "Support hours", timeZone: "Europe/Berlin", isDefault: true });
    expect(support!.periods.slice(0, 3)).toEqual([
      { weekday: 1, start: "08:00", end: "12:00" },
      { weekday: 1, start: "13:00", end: "17:30" },
      { weekday: 2, start: "08:00", end: "12:00" },
    ]);
    expect(support!.holidays).toEqual([
      { date: "2026-12-25", name: "Christmas Day" },
      { date: "2026-12-26", name: "Boxing Day" },
    ]);
    expect(night).toMatchObject({ id: nightId, timeZone: "America/New_York", isDefault: false });

    const list = await (await get(`${PAGE}?saved=${nightId}`)).text();
    expect(list).toContain("“Night shift” saved.");
    const row = (id: number) => {
      const start = list.indexOf(`data-testid="schedule-${id}"`);
      expect(start, `row of schedule ${id}`).toBeGreaterThan(-1);
      return list.slice(start, list.indexOf("</li>", start));
    };
    expect(row(supportId)).toContain(">Mon–Fri 08:00–12:00, 13:00–17:30<");
    expect(row(supportId)).toContain("Europe/Berlin");
    expect(row(supportId)).toContain("2 holidays");
    expect(row(supportId)).toContain(">Default<");
    expect(row(nightId)).toMatch(/>Fri 22:00–02:00<.*>Sat 22:00–06:00</);
    expect(row(nightId)).toMatch(/1 holiday</);
    expect(row(nightId)).not.toContain(">Default<");
    expect(row(alwaysId)).toContain("Mon–Sun 00:00–24:00");
    expect(row(alwaysId)).toContain("Open now");
    // The default first, then by name.
    const order = [supportId, alwaysId, nightId].map((id) => list.indexOf(`data-testid="schedule-${id}"`));
    expect(order).toEqual([...order].sort((a, b) => a - b));

    // Editing shows the saved values, and saving changes only what changed.
    const editForm = await (await get(`${PAGE}?edit=${nightId}`)).text();
    expect(editForm).toContain("Edit “Night shift”");
    expect(editForm).toContain('value="Night shift"');
    expect(editForm).toMatch(/<option value="America\/New_York" selected="">/);
    expect(editForm).toContain('value="22:00"');
    expect(editForm).toContain('value="2026-11-26"');
    expect(
      await savedId(
        await save(
          {
            name: "Night owls",
            timeZone: "America/New_York",
            periods: [
              [5, "22:00", "02:00"],
              [6, "23:00", "05:00"],
            ],
            holidays: [["2026-11-26", "Thanksgiving"]],
          },
          nightId,
        ),
      ),
    ).toBe(nightId);
    expect((await schedules()).find((s) => s.id === nightId)).toMatchObject({
      name: "Night owls",
      periods: [
        { weekday: 5, start: "22:00", end: "02:00" },
        { weekday: 6, start: "23:00", end: "05:00" },
      ],
    });

    expect((await change("make-default", nightId)).status).toBe(200);
    expect((await schedules()).filter((s) => s.isDefault).map((s) => s.id)).toEqual([nightId]);
    expect((await get(PAGE).then((r) => r.text())).indexOf(`data-testid="schedule-${nightId}"`)).toBeLessThan(
      (await get(PAGE).then((r) => r.text())).indexOf(`data-testid="schedule-${supportId}"`),
    );

    // The default cannot go while other schedules exist.
    const refusedDefault = await change("delete", nightId);
    expect(refusedDefault.status).toBe(409);
    expect(await refusedDefault.text()).toContain("“Night owls” is the default schedule. Make another schedule the default first");

    // A schedule an SLA policy measures in cannot go either; the message names the policy.
    const { db, t } = platform.router.forTenant(acme);
    const [policy] = await db
      .insert(t.slaPolicies)
      .values({ name: "VIP customers", position: 1, conditions: {}, targets: {}, scheduleId: supportId })
      .returning({ id: t.slaPolicies.id });
    const before = await snapshot();
    const refusedInUse = await change("delete", supportId);
    expect(refusedInUse.status).toBe(409);
    expect(await refusedInUse.text()).toContain("“Support hours” cannot be deleted: the SLA policy “VIP customers” uses it.");
    expect(await snapshot()).toEqual(before);
    await db.delete(t.slaPolicies).where(eq(t.slaPolicies.id, policy!.id));

    const deleted = await change("delete", supportId);
    expect(deleted.status).toBe(200);
    expect(await deleted.text()).toContain("“Support hours” deleted.");
    expect((await change("delete", alwaysId)).status).toBe(200);
    // The last schedule left, although the default, can go.
    expect((await change("delete", nightId)).status).toBe(200);
    expect(await schedules()).toEqual([]);

    const activity = await scheduleActivity();
    expect(activity.map((entry) => [entry.action, entry.entityId])).toEqual([
      ["business_schedule.created", supportId],
      ["business_schedule.created", nightId],
      ["business_schedule.created", alwaysId],
      ["business_schedule.updated", nightId],
      ["business_schedule.made_default", nightId],
      ["business_schedule.deleted", supportId],
      ["business_schedule.deleted", alwaysId],
      ["business_schedule.deleted", nightId],
    ]);
    expect(new Set(activity.map((entry) => entry.actorUserId)).size).toBe(1);
    expect(activity[3]!.changes).toEqual({
      name: { from: "Night shift", to: "Night owls" },
      periods: {
        from: [
          { weekday: 5, start: "22:00", end: "02:00" },
          { weekday: 6, start: "22:00", end: "06:00" },
        ],
        to: [
          { weekday: 5, start: "22:00", end: "02:00" },
          { weekday: 6, start: "23:00", end: "05:00" },
        ],
      },
    });
    expect(activity[4]!.changes).toEqual({ default: { from: "Support hours", to: "Night owls" } });
  });

  it("refuses a name already in use, in any case, next to the name field, keeping what was typed", async () => {
    const firstId = await savedId(await save({ name: "Europe office", timeZone: "Europe/Paris", periods: [[1, "09:00", "17:00"]] }));
    const secondId = await savedId(await save({ name: "Asia office", timeZone: "Asia/Singapore" }));
    const before = await snapshot();

    const duplicate = await save({ name: "EUROPE office", timeZone: "Europe/Lisbon", periods: [[3, "10:00", "11:00"]] });
    expect(duplicate.status).toBe(400);
    const html = await duplicate.text();
    expect(html).toMatch(/id="[^"]*-name-error"[^>]*><ul[^>]*><li>A schedule named “EUROPE office” already exists/);
    expect(html).toContain('value="EUROPE office"');
    expect(html).toContain('value="10:00"');

    const renamed = await save({ name: "europe OFFICE", timeZone: "Asia/Singapore" }, secondId);
    expect(renamed.status).toBe(400);
    expect(await renamed.text()).toContain("A schedule named “europe OFFICE” already exists");
    expect(await snapshot()).toEqual(before);

    // Renaming a schedule to another case of its own name is no clash.
    expect(await savedId(await save({ name: "EUROPE OFFICE", timeZone: "Europe/Paris", periods: [[1, "09:00", "17:00"]] }, firstId))).toBe(firstId);
  });

  it("refuses hostile and broken schedules with the error next to the field, writing nothing", async () => {
    const before = await snapshot();
    const refuse = async (schedule: Schedule | Array<[string, string]>, message: string) => {
      const response = Array.isArray(schedule) ? await post(PAGE, schedule) : await save(schedule);
      const html = await response.text();
      expect(response.status, message).toBe(400);
      expect(html, message).toContain(message);
      return html;
    };

    await refuse({ name: "Mars base", timeZone: "Mars/Olympus_Mons" }, "Choose a time zone from the list, such as Europe/Berlin.");
    await refuse({ name: "Offset", timeZone: "+01:00" }, "Choose a time zone from the list");
    await refuse({ name: "Path", timeZone: "../../etc/passwd" }, "Choose a time zone from the list");

    const overlapping = await refuse(
      {
        name: "Overlapping",
        timeZone: "UTC",
        periods: [
          [1, "09:00", "12:00"],
          [1, "11:00", "13:00"],
        ],
      },
      "Monday 11:00–13:00 overlaps Monday 09:00–12:00.",
    );
    expect(overlapping).toContain('value="Overlapping"');
    await refuse(
      {
        name: "Past midnight",
        timeZone: "UTC",
        periods: [
          [7, "22:00", "02:00"],
          [1, "01:00", "03:00"],
        ],
      },
      "Monday 01:00–03:00 overlaps Sunday 22:00–02:00.",
    );

    const elevenOnTuesday = Array.from({ length: 11 }, (_, hour): Period => [
      2,
      `${String(hour * 2).padStart(2, "0")}:00`,
      `${String(hour * 2 + 1).padStart(2, "0")}:00`,
    ]);
    await refuse({ name: "Busy Tuesday", timeZone: "UTC", periods: elevenOnTuesday }, "At most 10 periods on Tuesday.");

    const manyHolidays = Array.from({ length: 400 }, (_, day): [string, string] => [
      new Date(Date.UTC(2027, 0, 1 + day)).toISOString().slice(0, 10),
      `Day off ${day + 1}`,
    ]);
    const tooMany = await refuse({ name: "Holiday heaven", timeZone: "UTC", holidays: manyHolidays }, "At most 366 holidays.");
    expect(tooMany).toContain('value="Day off 400"');

    await refuse({ name: "x".repeat(100_000), timeZone: "UTC" }, "Keep the name under 80 characters.");
    await refuse({ name: "   ", timeZone: "UTC" }, "Name the schedule.");
    await refuse({ name: "Bad times", timeZone: "UTC", periods: [[1, "9am", "25:00"]] }, "Enter a start time as HH:MM, from 00:00 to 23:59.");
    await refuse({ name: "Bad end", timeZone: "UTC", periods: [[1, "09:00", "24:01"]] }, "Enter an end time as HH:MM, from 00:00 to 24:00.");
    await refuse({ name: "Same times", timeZone: "UTC", periods: [[1, "09:00", "09:00"]] }, "A period must end at another time than it starts");
    await refuse({ name: "Funday", timeZone: "UTC", periods: [[8, "09:00", "10:00"]] }, "Choose a day of the week.");
    await refuse({ name: "Leap", timeZone: "UTC", holidays: [["2027-02-29", "Not a day"]] }, "Enter a real date as YYYY-MM-DD");
    await refuse(
      {
        name: "Twice",
        timeZone: "UTC",
        holidays: [
          ["2027-01-01", "New Year"],
          ["2027-01-01", "Also new year"],
        ],
      },
      "2027-01-01 is already listed as New Year.",
    );

    // Form fields that are not what the form sends: JSON in a list field, objects where text belongs, fractional and spelled-out days.
    for (const fields of [
      [["periods", '[{"weekday":1,"start":"09:00","end":"17:00"}]']],
      [["periods[0]", "{}"]],
      [["holidays", "[object Object]"]],
      [
        ["periods[0].weekday", "1.5"],
        ["periods[0].start", "09:00"],
        ["periods[0].end", "10:00"],
      ],
      [
        ["periods[0].weekday", "Monday"],
        ["periods[0].start", "09:00"],
        ["periods[0].end", "10:00"],
      ],
      [["periods[0].start.__proto__", "x"]],
      [["name[0]", "Array name"]],
      [["name", "A second name"]],
      [["timeZone", "Europe/Berlin"]],
      [
        ["periods[0].weekday", "1"],
        ["periods[0].start", "09:00"],
        ["periods[0].start", "10:00"],
        ["periods[0].end", "11:00"],
      ],
      [["holidays[1000].date", "2027-01-01"]],
    ] as Array<Array<[string, string]>>) {
      const response = await post(PAGE, [["intent", "save"], ["name", "Malformed"], ["timeZone", "UTC"], ...fields]);
      expect(response.status, JSON.stringify(fields)).toBe(400);
    }
    await refuse(
      [
        ["intent", "save"],
        ["name", "Unknown intent"],
        ["timeZone", "UTC"],
        ["intent", "save"],
      ],
      "That form was not valid.",
    );
    expect((await post(PAGE, [["intent", "rename-everything"]])).status).toBe(400);

    // An index of a hundred million would make Conform build (and the page echo) a list that long.
    const started = Date.now();
    const sparse = await post(PAGE, [
      ...scheduleFields({ name: "Sparse", timeZone: "UTC" }),
      ["holidays[99999999].date", "2027-01-01"],
      ["holidays[99999999].name", "Far"],
    ]);
    expect(sparse.status).toBe(400);
    const sparseHtml = await sparse.text();
    // Refused before the action runs, for every form (tests/security/form-list-indexes.test.ts).
    expect(sparseHtml.length).toBeLessThan(200_000);
    expect(Date.now() - started).toBeLessThan(5_000);

    expect(await snapshot()).toEqual(before);
  });

  it("adds and removes period and holiday rows without JavaScript (Conform's list intents)", async () => {
    const base = scheduleFields({ name: "Rows", timeZone: "UTC", periods: [[1, "09:00", "17:00"]], holidays: [["2027-05-01", "Labour Day"]] });
    const added = await post(PAGE, [
      ...base,
      ["__intent__", JSON.stringify({ type: "insert", payload: { name: "periods", defaultValue: { weekday: 2, start: "09:00", end: "17:00" } } })],
    ]);
    expect(added.status).toBe(200);
    const addedHtml = await added.text();
    expect(addedHtml).toContain('name="periods[1].start"');
    expect(addedHtml).toContain('value="Rows"');

    const removed = await post(PAGE, [...base, ["__intent__", JSON.stringify({ type: "remove", payload: { name: "holidays", index: 0 } })]]);
    expect(removed.status).toBe(200);
    const removedHtml = await removed.text();
    expect(removedHtml).not.toContain('name="holidays[0].date"');
    expect(removedHtml).toContain('name="periods[0].start"');
    expect((await schedules()).some((s) => s.name === "Rows")).toBe(false);
  });

  it("makes exactly one of several first schedules created at once the default", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `Office ${i + 1}`);
    // Connections opened beforehand (the server shares this platform's pools), so the requests' transactions overlap.
    await Promise.all([1, 2, 3, 4].map(() => globexDb().db.execute(sql`select pg_sleep(0.05)`)));
    const created = await Promise.all(
      names.map((name) => post(PAGE, scheduleFields({ name, timeZone: "UTC", periods: [[1, "09:00", "17:00"]] }), globexAdmin, globex)),
    );
    expect(created.map((response) => response.status)).toEqual(names.map(() => 302));
    const rows = await schedules(globex);
    expect(rows.map((row) => row.name).sort()).toEqual(names);
    expect(rows.filter((row) => row.isDefault)).toHaveLength(1);
    await globexDb().db.delete(globexDb().t.businessSchedules);
  });

  it("answers 404 for another workspace's schedule, and leaves that schedule alone", async () => {
    // Ids are per workspace; move Globex's past every id Acme has used so the id names nothing here.
    const globexHandle = globexDb();
    for (let i = 0; i < 30; i++) {
      const [row] = await globexHandle.db
        .insert(globexHandle.t.businessSchedules)
        .values({ name: `Filler ${i}`, timeZone: "UTC", periods: [], holidays: [] })
        .returning({ id: globexHandle.t.businessSchedules.id });
      await globexHandle.db.delete(globexHandle.t.businessSchedules).where(eq(globexHandle.t.businessSchedules.id, row!.id));
    }
    const [theirs] = await globexHandle.db
      .insert(globexHandle.t.businessSchedules)
      .values({ name: "Globex hours", timeZone: "UTC", periods: [{ weekday: 1, start: "09:00", end: "17:00" }], holidays: [], isDefault: true })
      .returning({ id: globexHandle.t.businessSchedules.id });
    expect((await schedules()).some((s) => s.id === theirs!.id)).toBe(false);
    const before = { acme: await snapshot(), globex: await snapshot(globex) };

    expect((await get(`${PAGE}?edit=${theirs!.id}`)).status).toBe(404);
    expect((await save({ name: "Hijacked", timeZone: "UTC" }, theirs!.id)).status).toBe(404);
    expect((await change("make-default", theirs!.id)).status).toBe(404);
    expect((await change("delete", theirs!.id)).status).toBe(404);
    for (const id of ["abc", "0", "-1", "1e3", "99999999999999999999"]) {
      expect((await get(`${PAGE}?edit=${id}`)).status, id).toBe(404);
      expect((await change("delete", id)).status, id).toBe(404);
    }
    expect({ acme: await snapshot(), globex: await snapshot(globex) }).toEqual(before);
  });
});
