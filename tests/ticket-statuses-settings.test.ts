import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket } from "../app/tickets/ticket-commands.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let admin: Session;
let agent: Session;
let globexAdmin: Session;

type Session = { cookie: string; csrf: string };
type Fields = Array<[string, string]>;

const PAGE = "/settings/statuses";
const CATEGORIES = ["new", "open", "pending", "on_hold", "solved", "closed"] as const;
type Category = (typeof CATEGORIES)[number];

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const get = (path = PAGE, cookie = admin.cookie, tenant = acme) => server.request(host(tenant), path, { headers: cookie ? { cookie } : {} });
const page = async (tenant = acme, session = tenant === acme ? admin : globexAdmin) => {
  const response = await get(PAGE, session.cookie, tenant);
  expect(response.status).toBe(200);
  return response.text();
};
const post = (fields: Fields, session = admin, tenant = acme, { csrf = true } = {}) =>
  server.request(host(tenant), PAGE, {
    method: "POST",
    body: new URLSearchParams([...(csrf ? [["csrf", session.csrf] as [string, string]] : []), ...fields]).toString(),
    headers: postHeaders(`http://${host(tenant)}`, { cookie: session.cookie }),
  });
const create = (category: string, agentLabel: string, customerLabel: string, session = admin, tenant = acme) =>
  post(
    [
      ["intent", "create"],
      ["category", category],
      ["agentLabel", agentLabel],
      ["customerLabel", customerLabel],
    ],
    session,
    tenant,
  );
const rename = (key: string, agentLabel: string, customerLabel: string, session = admin, tenant = acme) =>
  post(
    [
      ["intent", "rename"],
      ["key", key],
      ["agentLabel", agentLabel],
      ["customerLabel", customerLabel],
    ],
    session,
    tenant,
  );
const change = (intent: "activate" | "deactivate" | "delete", key: string, session = admin, tenant = acme) =>
  post(
    [
      ["intent", intent],
      ["key", key],
    ],
    session,
    tenant,
  );
const move = (key: string, direction: string, session = admin, tenant = acme) =>
  post(
    [
      ["intent", "move"],
      ["key", key],
      ["direction", direction],
    ],
    session,
    tenant,
  );

async function statuses(tenant = acme) {
  const { db, t } = platform.router.forTenant(tenant);
  const rows = await db
    .select({
      key: t.ticketStatuses.key,
      category: t.ticketStatuses.category,
      agentLabel: t.ticketStatuses.agentLabel,
      customerLabel: t.ticketStatuses.customerLabel,
      position: t.ticketStatuses.position,
      active: t.ticketStatuses.active,
      builtIn: t.ticketStatuses.builtIn,
    })
    .from(t.ticketStatuses);
  return rows.sort((a, b) => CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category) || a.position - b.position || a.key.localeCompare(b.key));
}
const status = async (key: string, tenant = acme) => (await statuses(tenant)).find((row) => row.key === key);
const order = async (category: Category, tenant = acme) => (await statuses(tenant)).filter((row) => row.category === category).map((row) => row.key);
async function statusActivity(tenant = acme) {
  const { db, t } = platform.router.forTenant(tenant);
  return db
    .select({ action: t.activityLogs.action, actorUserId: t.activityLogs.actorUserId, changes: t.activityLogs.changes })
    .from(t.activityLogs)
    .where(eq(t.activityLogs.entityType, "ticket_status"))
    .orderBy(asc(t.activityLogs.id));
}
/** What the database holds now, to compare after a refused submit. */
const snapshot = async (tenant = acme) => ({ statuses: await statuses(tenant), activity: await statusActivity(tenant) });

/** The HTML of one status's row on the page. */
function row(html: string, key: string): string {
  const start = html.indexOf(`data-testid="status-${key}"`);
  expect(start, `row of status ${key}`).toBeGreaterThan(-1);
  const ends = [html.indexOf('data-testid="status-', start + 1), html.indexOf("</ol>", start)].filter((end) => end > -1);
  return html.slice(start, Math.min(...ends));
}
/** The HTML of one category's section. */
function section(html: string, category: Category): string {
  const start = html.indexOf(`data-testid="category-${category}"`);
  expect(start, `section of ${category}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</section>", start));
}
/** The keys of a category's statuses, in the order the page lists them. */
const pageOrder = (html: string, category: Category) => [...section(html, category).matchAll(/data-testid="status-([a-z0-9_]+)"/g)].map((match) => match[1]);

async function expectRedirect(response: Response, to: string) {
  expect(
    response.status,
    await response
      .clone()
      .text()
      .then((html) => html.slice(0, 500)),
  ).toBe(302);
  expect(response.headers.get("location")).toBe(to);
}

/** Puts a new ticket of the workspace into the status, as an agent changing its status would. */
async function ticketIn(key: string, category: Category, tenant = acme) {
  const handle = platform.router.forTenant(tenant);
  const created = await createTicket(
    handle,
    { type: "system" },
    { customer: { name: "Vera Vendor", email: `vera-${key}@customer.test` }, subject: `Ticket in ${key}`, message: "Hello", channel: "email" },
  );
  await handle.db.execute(sql`update ${handle.t.tickets} set status = ${category}, status_key = ${key} where id = ${created.id}`);
  return created;
}

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform, { name: "Acme Rockets" }), createTestTenant(platform, { name: "Globex" })]);
  admin = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "boss@statuses.test", role: "admin" })).id);
  agent = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "agent@statuses.test", role: "agent" })).id);
  globexAdmin = await sessionFor(platform, globex, (await createMember(platform, globex, { email: "boss@globex-statuses.test", role: "admin" })).id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("status settings", () => {
  it("are for admins only, and refuse a form without the session's CSRF token", async () => {
    const before = await snapshot();
    expect((await get(PAGE, agent.cookie)).status).toBe(403);
    expect((await create("on_hold", "Agent's status", "Agent's status", agent)).status).toBe(403);
    expect((await change("delete", "pending", agent)).status).toBe(403);
    const visitor = await get(PAGE, "");
    expect(visitor.status).toBe(302);
    expect(visitor.headers.get("location")).toMatch(/^\/login\?redirectTo=/);

    const noToken = await post(
      [
        ["intent", "create"],
        ["category", "on_hold"],
        ["agentLabel", "No token"],
        ["customerLabel", "No token"],
      ],
      admin,
      acme,
      { csrf: false },
    );
    expect(noToken.status).toBe(403);
    const otherToken = await post(
      [
        ["csrf", globexAdmin.csrf],
        ["intent", "create"],
        ["category", "on_hold"],
        ["agentLabel", "Other token"],
        ["customerLabel", "Other token"],
      ],
      admin,
      acme,
      { csrf: false },
    );
    expect(otherToken.status).toBe(403);
    expect(await snapshot()).toEqual(before);

    // Admins find the screen in the settings navigation; agents do not.
    expect(await page()).toMatch(/<a[^>]*href="\/settings\/statuses"[^>]*>Statuses<\/a>/);
    expect(await (await get("/settings/profile", agent.cookie)).text()).not.toContain('href="/settings/statuses"');
  });

  it("lists the six fixed categories in order, each with its built-in status, and explains the rules", async () => {
    const html = await page();
    const headings = [...html.matchAll(/<h3 id="category-([a-z_]+)"[^>]*>([^<]+)<\/h3>/g)].map((match) => [match[1], match[2]]);
    expect(headings).toEqual([
      ["new", "New"],
      ["open", "Open"],
      ["pending", "Pending"],
      ["on_hold", "On hold"],
      ["solved", "Solved"],
      ["closed", "Closed"],
    ]);
    expect(html).toContain("the categories drive every rule");
    expect(html).toContain("the portal shows customers the customer label");
    expect(html).toContain("A status that tickets are in cannot be deleted, only deactivated");

    const pending = row(html, "pending");
    expect(pending).toContain(">Pending<");
    expect(pending).toContain("Customers see: Awaiting your reply");
    expect(pending).toContain(">Built-in<");
    expect(pending).toContain(">Active<");
    expect(pending).toContain("0 tickets");
    expect(pending).toContain('aria-label="Move Pending up"');
    expect(pending).toContain('Rename<span class="sr-only"> Pending</span>');
    // Built-in statuses can be neither deactivated nor deleted, so neither is offered.
    expect(pending).not.toContain("Deactivate");
    expect(pending).not.toContain("Delete");
    // Every category offers its own add form, each input with a label.
    for (const category of CATEGORIES) {
      const part = section(html, category);
      expect(part).toContain('name="category" value="' + category + '"');
      for (const field of ["agentLabel", "customerLabel"]) {
        const id = new RegExp(`<input[^>]*id="([^"]+)"[^>]*name="${field}"`).exec(part.slice(part.indexOf(`id="add-status-${category}"`)))?.[1];
        expect(id, `${category} ${field}`).toBeTruthy();
        expect(part).toContain(`<label for="${id}"`);
      }
    }
  });

  it("lets an admin add, rename, reorder, deactivate, reactivate and delete statuses, each change in the activity log", async () => {
    const activityBefore = (await statusActivity()).length;

    await expectRedirect(await create("on_hold", "Waiting on vendor", "Waiting on a partner"), `${PAGE}?added=waiting_on_vendor`);
    expect(await status("waiting_on_vendor")).toEqual({
      key: "waiting_on_vendor",
      category: "on_hold",
      agentLabel: "Waiting on vendor",
      customerLabel: "Waiting on a partner",
      position: 1,
      active: true,
      builtIn: false,
    });
    const added = await (await get(`${PAGE}?added=waiting_on_vendor`)).text();
    expect(added).toContain("“Waiting on vendor” added to On hold.");
    expect(pageOrder(added, "on_hold")).toEqual(["on_hold", "waiting_on_vendor"]);
    const vendorRow = row(added, "waiting_on_vendor");
    expect(vendorRow).toContain("Customers see: Waiting on a partner");
    expect(vendorRow).not.toContain(">Built-in<");
    expect(vendorRow).toContain('Deactivate<span class="sr-only"> Waiting on vendor</span>');
    expect(vendorRow).toContain('Delete<span class="sr-only"> Waiting on vendor</span>');

    // Labels are trimmed; the key comes from the label (and another label making the same key gets a suffix).
    await expectRedirect(await create("on_hold", "  Parts ordered ", "Parts are on their way"), `${PAGE}?added=parts_ordered`);
    await expectRedirect(await create("open", "Parts: ordered!", "Parts ordered"), `${PAGE}?added=parts_ordered_2`);
    expect(await status("parts_ordered")).toMatchObject({ agentLabel: "Parts ordered", position: 2 });
    expect(await status("parts_ordered_2")).toMatchObject({ category: "open", agentLabel: "Parts: ordered!" });

    // Renaming changes both labels and never the key.
    await expectRedirect(await rename("waiting_on_vendor", "Vendor is on it", "A partner is working on it"), `${PAGE}?saved=waiting_on_vendor`);
    expect(await status("waiting_on_vendor")).toMatchObject({ agentLabel: "Vendor is on it", customerLabel: "A partner is working on it" });
    expect(await (await get(`${PAGE}?saved=waiting_on_vendor`)).text()).toContain("“Vendor is on it” saved.");
    // A built-in status can be renamed too.
    await expectRedirect(await rename("pending", "Waiting on customer", "Awaiting your reply"), `${PAGE}?saved=pending`);
    expect(await status("pending")).toMatchObject({ agentLabel: "Waiting on customer", builtIn: true });

    // Reordering within the category; the ends stay put.
    expect(await order("on_hold")).toEqual(["on_hold", "waiting_on_vendor", "parts_ordered"]);
    const movedUp = await move("parts_ordered", "up");
    expect(movedUp.status).toBe(200);
    expect(await movedUp.text()).toContain("Moved up.");
    expect(await order("on_hold")).toEqual(["on_hold", "parts_ordered", "waiting_on_vendor"]);
    expect((await move("parts_ordered", "up")).status).toBe(200);
    expect(await order("on_hold")).toEqual(["parts_ordered", "on_hold", "waiting_on_vendor"]);
    expect((await move("parts_ordered", "up")).status).toBe(200);
    expect((await move("waiting_on_vendor", "down")).status).toBe(200);
    expect(await order("on_hold")).toEqual(["parts_ordered", "on_hold", "waiting_on_vendor"]);
    expect((await move("on_hold", "down")).status).toBe(200);
    expect(await order("on_hold")).toEqual(["parts_ordered", "waiting_on_vendor", "on_hold"]);
    const reordered = await page();
    expect(pageOrder(reordered, "on_hold")).toEqual(["parts_ordered", "waiting_on_vendor", "on_hold"]);
    // The first cannot go up nor the last down: those buttons are disabled.
    expect(row(reordered, "parts_ordered")).toMatch(/<button[^>]*disabled=""[^>]*aria-label="Move Parts ordered up"/);
    expect(row(reordered, "on_hold")).toMatch(/<button[^>]*disabled=""[^>]*aria-label="Move On hold down"/);
    // Other categories are untouched.
    expect(await order("open")).toEqual(["open", "parts_ordered_2"]);

    const deactivated = await change("deactivate", "waiting_on_vendor");
    expect(deactivated.status).toBe(200);
    expect(await deactivated.text()).toContain("Deactivated: agents can no longer choose it");
    expect(await status("waiting_on_vendor")).toMatchObject({ active: false });
    const inactiveRow = row(await page(), "waiting_on_vendor");
    expect(inactiveRow).toContain(">Inactive<");
    expect(inactiveRow).toContain('Reactivate<span class="sr-only"> Vendor is on it</span>');
    expect(inactiveRow).toContain('name="intent" value="activate"');
    expect((await change("activate", "waiting_on_vendor")).status).toBe(200);
    expect(await status("waiting_on_vendor")).toMatchObject({ active: true });

    const deleted = await change("delete", "parts_ordered");
    expect(deleted.status).toBe(200);
    expect(await deleted.text()).toContain("“Parts ordered” deleted.");
    expect(await status("parts_ordered")).toBeUndefined();
    expect(pageOrder(await page(), "on_hold")).toEqual(["waiting_on_vendor", "on_hold"]);

    const activity = (await statusActivity()).slice(activityBefore);
    expect(activity.map((entry) => entry.action)).toEqual([
      "ticket_status.created",
      "ticket_status.created",
      "ticket_status.created",
      "ticket_status.updated",
      "ticket_status.updated",
      "ticket_status.reordered",
      "ticket_status.reordered",
      "ticket_status.reordered",
      "ticket_status.deactivated",
      "ticket_status.activated",
      "ticket_status.deleted",
    ]);
    expect(new Set(activity.map((entry) => entry.actorUserId)).size).toBe(1);
    expect(activity[0]!.actorUserId).not.toBeNull();
    expect(activity[3]!.changes).toMatchObject({
      agentLabel: { from: "Waiting on vendor", to: "Vendor is on it" },
      customerLabel: { from: "Waiting on a partner", to: "A partner is working on it" },
    });

    await expectRedirect(await rename("pending", "Pending", "Awaiting your reply"), `${PAGE}?saved=pending`);
  });

  it("refuses to deactivate or delete a built-in status, saying why", async () => {
    const before = await snapshot();
    const deactivate = await change("deactivate", "on_hold");
    expect(deactivate.status).toBe(409);
    expect(row(await deactivate.text(), "on_hold")).toContain("“On hold” is the built-in status of On hold: it can be renamed but not deactivated");
    const remove = await change("delete", "open");
    expect(remove.status).toBe(409);
    expect(row(await remove.text(), "open")).toContain("“Open” is the built-in status of Open: it can be renamed but not deleted");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses to delete a status a ticket is in, shows why, and still lets it be deactivated", async () => {
    await expectRedirect(await create("open", "Needs QA", "Being checked"), `${PAGE}?added=needs_qa`);
    const ticket = await ticketIn("needs_qa", "open");
    const html = await page();
    const inUse = row(html, "needs_qa");
    expect(inUse).toContain("1 ticket<");
    expect(inUse).toContain("In use by 1 ticket: it can be deactivated but not deleted.");
    expect(inUse).not.toContain("Delete");

    const before = await snapshot();
    const refused = await change("delete", "needs_qa");
    expect(refused.status).toBe(409);
    expect(row(await refused.text(), "needs_qa")).toContain(
      "“Needs QA” cannot be deleted: 1 ticket is in it. Deactivate it instead, or move those tickets to another status first.",
    );
    expect(await snapshot()).toEqual(before);

    expect((await change("deactivate", "needs_qa")).status).toBe(200);
    expect(await status("needs_qa")).toMatchObject({ active: false });
    const { db, t } = platform.router.forTenant(acme);
    const { rows } = await db.execute<{ status_key: string; status: string }>(sql`select status_key, status from ${t.tickets} where id = ${ticket.id}`);
    expect(rows).toEqual([{ status_key: "needs_qa", status: "open" }]);
  });

  it("refuses an agent label already in use, in any case, next to the field, keeping what was typed", async () => {
    await expectRedirect(await create("open", "Escalated", "We escalated it"), `${PAGE}?added=escalated`);
    const before = await snapshot();

    const duplicate = await create("pending", "ESCALATED", "Escalated to tier 2");
    expect(duplicate.status).toBe(400);
    const html = await duplicate.text();
    const addForm = section(html, "pending");
    expect(addForm).toMatch(/id="add-status-pending-[^"]*agentLabel-error"[^>]*><ul[^>]*><li>A status named “ESCALATED” already exists. Choose another name.</);
    expect(addForm).toMatch(/<input[^>]*name="agentLabel"[^>]*aria-invalid="true"[^>]*value="ESCALATED"/);
    expect(addForm).toContain('value="Escalated to tier 2"');
    // The refused form opens by itself, so the error is seen.
    expect(addForm).toMatch(/<details open="">/);

    // A built-in status's label counts as well; so does renaming another status to a taken label.
    expect(await (await create("on_hold", "pending", "x")).text()).toContain("A status named “pending” already exists.");
    const renamed = await rename("waiting_on_vendor", " escalated", "Still waiting");
    expect(renamed.status).toBe(400);
    expect(row(await renamed.text(), "waiting_on_vendor")).toMatch(
      /id="rename-waiting_on_vendor-[^"]*agentLabel-error"[^>]*><ul[^>]*><li>A status named “escalated” already exists/,
    );
    expect(await snapshot()).toEqual(before);

    // Another case of a status's own label is no clash.
    await expectRedirect(await rename("escalated", "ESCALATED", "We escalated it"), `${PAGE}?saved=escalated`);
    expect(await status("escalated")).toMatchObject({ agentLabel: "ESCALATED" });
  });

  it("refuses hostile and broken input with a clear answer, writing nothing", async () => {
    const before = await snapshot();
    const refuse = async (response: Promise<Response>, status: number, message: string) => {
      const answer = await response;
      const html = await answer.text();
      expect(answer.status, message).toBe(status);
      expect(html, message).toContain(message);
      return html;
    };

    await refuse(create("on_hold", "", "Waiting"), 400, "Enter the name agents see.");
    await refuse(create("on_hold", "   ", "Waiting"), 400, "Enter the name agents see.");
    await refuse(create("on_hold", "Waiting", ""), 400, "Enter the name customers see.");
    const long = await refuse(create("on_hold", "x".repeat(10_000), "Waiting"), 400, "Keep the name agents see to 40 characters.");
    expect(long.length).toBeLessThan(200_000);
    await refuse(create("on_hold", "Waiting", "y".repeat(61)), 400, "Keep the name customers see to 60 characters.");
    await refuse(create("on_hold", "Needs\u0007QA", "Waiting"), 400, "The name agents see cannot contain control characters.");
    await refuse(create("on_hold", "Needs\tQA", "Waiting"), 400, "The name agents see cannot contain control characters.");
    await refuse(create("on_hold", "Waiting", "Line\nbreak"), 400, "The name customers see cannot contain control characters.");
    await refuse(rename("waiting_on_vendor", "", "Waiting"), 400, "Enter the name agents see.");
    await refuse(rename("waiting_on_vendor", "Waiting\u0000", "Waiting"), 400, "The name agents see cannot contain control characters.");

    for (const category of ["urgent", "", "ON_HOLD", "on_hold'--", "__proto__"]) {
      await refuse(create(category, "Anywhere", "Anywhere"), 400, "Choose one of the categories on this page.");
    }

    // A key that names no status of this workspace: not found, for every change.
    for (const key of ["no_such_status", "../etc/passwd", "", "a".repeat(41), "1abc", "on hold"]) {
      await refuse(rename(key, "Hijacked", "Hijacked"), 404, "That status was not found in this workspace.");
      await refuse(change("delete", key), 404, "That status was not found in this workspace.");
      await refuse(change("deactivate", key), 404, "That status was not found in this workspace.");
      await refuse(move(key, "up"), 404, "That status was not found in this workspace.");
    }

    await refuse(move("waiting_on_vendor", "sideways"), 400, "Choose to move the status up or down.");
    await refuse(post([["intent", "recolour"]]), 400, "Unknown action.");
    await refuse(post([["key", "open"]]), 400, "Unknown action.");
    // Fields the forms do not send, or a field sent twice, are refused before anything is read.
    await refuse(
      post([
        ["intent", "create"],
        ["category", "on_hold"],
        ["agentLabel", "Extra"],
        ["customerLabel", "Extra"],
        ["builtIn", "true"],
      ]),
      400,
      "That form was not valid.",
    );
    await refuse(
      post([
        ["intent", "delete"],
        ["key", "waiting_on_vendor"],
        ["key", "open"],
      ]),
      400,
      "That form was not valid.",
    );
    await refuse(
      post([
        ["intent", "create"],
        ["category", "on_hold"],
        ["agentLabel[0]", "Array"],
        ["customerLabel", "Array"],
      ]),
      400,
      "That form was not valid.",
    );

    expect(await snapshot()).toEqual(before);
  });

  it("keeps each workspace's statuses to itself", async () => {
    await expectRedirect(await create("on_hold", "Globex only", "Globex only", globexAdmin, globex), `${PAGE}?added=globex_only`);
    await expectRedirect(await create("open", "Acme special", "Acme special"), `${PAGE}?added=acme_special`);
    await expectRedirect(await rename("pending", "Acme pending", "Acme pending"), `${PAGE}?saved=pending`);

    // Each page shows only its own workspace's changes.
    const acmePage = await page();
    const globexPage = await page(globex);
    expect(acmePage).not.toContain("Globex only");
    expect(globexPage).not.toContain("Acme special");
    expect(globexPage).not.toContain("Acme pending");
    expect(row(globexPage, "pending")).toContain(">Pending<");
    expect(await status("acme_special", globex)).toBeUndefined();
    expect(await status("pending", globex)).toMatchObject({ agentLabel: "Pending" });
    expect(await status("globex_only", acme)).toBeUndefined();

    // Globex's key names nothing in Acme: every change answers not found and leaves Globex's status alone.
    const before = { acme: await snapshot(), globex: await snapshot(globex) };
    for (const response of [
      rename("globex_only", "Hijacked", "Hijacked"),
      change("deactivate", "globex_only"),
      change("delete", "globex_only"),
      move("globex_only", "down"),
    ]) {
      const answer = await response;
      expect(answer.status).toBe(404);
      expect(await answer.text()).toContain("That status was not found in this workspace.");
    }
    // A Globex admin's session is worthless on Acme.
    const crossSession = await change("delete", "acme_special", globexAdmin, acme);
    expect([302, 401, 403]).toContain(crossSession.status);
    expect({ acme: await snapshot(), globex: await snapshot(globex) }).toEqual(before);

    // A Globex admin can also use a label Acme already has.
    await expectRedirect(await create("open", "Acme special", "Theirs too", globexAdmin, globex), `${PAGE}?added=acme_special`);
    expect(await status("acme_special", acme)).toMatchObject({ customerLabel: "Acme special" });
  });
});
