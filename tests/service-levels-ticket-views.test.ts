import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentActor, type Actor } from "../app/activity/actor";
import { refreshTicketSla } from "../app/service-levels/ticket-sla.server";
import { addMessage, createTicket, updateTicket } from "../app/tickets/ticket-commands.server";
import type { TicketPriority } from "../db/tenant-tables";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { apiCall } from "./support/api-client";
import { createMember, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

// Agents see the SLA clock (issue 13 item 4) and the API exposes it (item 5): the list's SLA column,
// "next breach first" sort and SLA views, the ticket page's panel, and the ticket JSON.
const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let acmeDb: TenantHandle;
let session: { cookie: string; csrf: string };
let memberId: number;
const MINUTE = 60_000;

/** The tickets of the story, by role. */
const acmeTickets = {} as Record<"overdue" | "soon" | "later" | "paused" | "untracked", { id: number; number: number }>;
let globexOverdue: number;

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const page = async (path: string) => (await server.request(host(acme), path, { headers: { cookie: session.cookie } })).text();
const api = (path: string) => apiCall(server, acme, session, "GET", path);

async function withPolicy(handle: TenantHandle) {
  // Calendar hours: normal tickets must be answered within 60 minutes, low ones within 4 hours.
  await handle.db.insert(handle.t.slaPolicies).values({
    name: "Standard",
    position: 1,
    conditions: {},
    targets: { normal: { firstReply: 60, resolution: 480 }, low: { firstReply: 240, resolution: 2880 } },
  });
}

const newTicket = (handle: TenantHandle, actor: Actor, subject: string, priority: TicketPriority = "normal") =>
  createTicket(handle, actor, { customer: { name: "Cara Customer", email: "cara@customers.test" }, subject, message: "Help", channel: "email", priority });

/** Moves a ticket's SLA history `minutes` into the past and recomputes its clocks, as if it had been created that long ago. */
async function age(handle: TenantHandle, ticketId: number, minutes: number) {
  await handle.db
    .update(handle.t.ticketSlaEvents)
    .set({ at: sql`${handle.t.ticketSlaEvents.at} - make_interval(mins => ${minutes}::int)` })
    .where(eq(handle.t.ticketSlaEvents.ticketId, ticketId));
  await handle.transaction((tx) => refreshTicketSla(tx, handle.t, ticketId, new Date()));
}

beforeAll(async () => {
  acme = await createTestTenant(platform);
  globex = await createTestTenant(platform);
  acmeDb = platform.router.forTenant(acme);
  await withPolicy(acmeDb);
  const member = await createMember(platform, acme, { email: "agent@views.test", name: "Val Views" });
  const agent = agentActor(member);
  memberId = member.id;
  session = await sessionFor(platform, acme, member.id);

  acmeTickets.overdue = await newTicket(acmeDb, agent, "Overdue printer");
  await age(acmeDb, acmeTickets.overdue.id, 90); // first reply was due 30 minutes ago
  acmeTickets.soon = await newTicket(acmeDb, agent, "Soon scanner");
  await age(acmeDb, acmeTickets.soon.id, 20); // due in 40 minutes
  acmeTickets.later = await newTicket(acmeDb, agent, "Later laptop", "low"); // due in 4 hours
  acmeTickets.paused = await newTicket(acmeDb, agent, "Paused projector");
  await addMessage(acmeDb, agent, acmeTickets.paused.number, { body: "Which model?" });
  await updateTicket(acmeDb, agent, acmeTickets.paused.number, { status: "pending" }); // first reply achieved, resolution paused
  acmeTickets.untracked = await newTicket(acmeDb, agent, "Untracked umbrella");
  await acmeDb.db.delete(acmeDb.t.ticketSlas).where(eq(acmeDb.t.ticketSlas.ticketId, acmeTickets.untracked.id)); // as before SLAs existed
  // More tickets with running clocks, for pages that end inside and across the sort's segments.
  for (let i = 0; i < 5; i++) await newTicket(acmeDb, agent, `Queue ticket ${i}`, "low");

  // Another workspace with its own overdue ticket, which acme must never see.
  const globexDb = platform.router.forTenant(globex);
  await withPolicy(globexDb);
  const globexAgent = agentActor(await createMember(platform, globex, { email: "g@views.test" }));
  const secret = await newTicket(globexDb, globexAgent, "Globex secret overdue");
  await age(globexDb, secret.id, 120);
  globexOverdue = secret.number;

  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

/** The list's rows in order: ticket number, subject and the SLA cell's text. */
function rowsOf(html: string) {
  return html
    .split('data-testid="ticket-row"')
    .slice(1)
    .map((row) => ({
      number: Number(/href="\/tickets\/(\d+)"/.exec(row)![1]),
      sla: textOf(/data-testid="sla-cell"[^>]*>(.*?)<\/(?:time|span)>/.exec(row)![1]!),
    }));
}
const textOf = (html: string) => html.replace(/<[^>]+>/g, "").trim();
const numbersOf = (html: string) => rowsOf(html).map((row) => row.number);

/** The expected "next breach first" order, written independently of the app's keyset segments. */
async function expectedNextBreachOrder(): Promise<number[]> {
  const { rows } = await acmeDb.db.execute<{ number: string }>(sql`
    select tk.number from ${acmeDb.t.tickets} tk left join ${acmeDb.t.ticketSlas} s on s.ticket_id = tk.id
    where tk.status in ('open', 'pending', 'on_hold')
    order by s.next_breach_at is null, s.next_breach_at, case when s.next_breach_at is not null then tk.id end, tk.updated_at desc, tk.id desc`);
  return rows.map((row) => Number(row.number));
}

describe("the ticket list's SLA column and sort", () => {
  it("sorts by next breach, overdue first, then the tickets without a running clock", async () => {
    const html = await page("/tickets?sort=next_breach");
    const numbers = numbersOf(html);
    expect(numbers).toEqual(await expectedNextBreachOrder());
    const { overdue, soon, later, paused, untracked } = acmeTickets;
    expect(numbers.slice(0, 2)).toEqual([overdue.number, soon.number]);
    expect(numbers.indexOf(later.number)).toBeLessThan(numbers.indexOf(paused.number));
    expect(numbers.slice(-2).sort()).toEqual([paused.number, untracked.number].sort());
    expect(html).not.toContain("Globex secret");
  });

  it("shows the most urgent running target as time left or overdue, in words, and Paused or — otherwise", async () => {
    const rows = new Map(rowsOf(await page("/tickets?sort=next_breach")).map((row) => [row.number, row.sla]));
    expect(rows.get(acmeTickets.overdue.number)).toMatch(/^Overdue (30|31) m$/);
    expect(rows.get(acmeTickets.soon.number)).toMatch(/^(39|40) m left$/);
    expect(rows.get(acmeTickets.later.number)).toMatch(/^(3 h 59 m|4 h) left$/);
    expect(rows.get(acmeTickets.paused.number)).toBe("Paused");
    expect(rows.get(acmeTickets.untracked.number)).toBe("—");
  });

  it("has views for breached tickets and tickets breaching within the hour, with their counts", async () => {
    const breached = await page("/tickets?sla=breached");
    expect(numbersOf(breached)).toEqual([acmeTickets.overdue.number]);
    expect(breached).toMatch(/data-testid="tab-count-unsolved"[^>]*>1</);
    expect(numbersOf(await page("/tickets?sla=due_soon&sort=next_breach"))).toEqual([acmeTickets.soon.number]);
    expect(numbersOf(await page("/tickets?sla=breached&status=pending"))).toEqual([]);
  });

  it("combines the sort and views with the other filters, a member among them", async () => {
    const response = await server.request(host(acme), `/tickets?sort=next_breach&sla=breached&assignee=${memberId}`, { headers: { cookie: session.cookie } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("No tickets here"); // nobody assigned the overdue ticket
    expect(numbersOf(await page("/tickets?sort=next_breach&priority=low"))[0]).toBe(acmeTickets.later.number);
  });

  it("walks the sorted list page by page without repeats or gaps, across the overdue, running and other tickets", async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await api(`/api/tickets?sort=next_breach&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(response.status).toBe(200);
      seen.push(...response.body.data.map((ticket: { number: number }) => ticket.number));
      cursor = response.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toEqual(await expectedNextBreachOrder());
    expect(new Set(seen).size).toBe(seen.length);
    // The screen pages the same way.
    const first = await page("/tickets?sort=next_breach&status=all");
    expect(first).toContain("Next breach first");
    const bad = await api(`/api/tickets?sort=next_breach&cursor=${Buffer.from(JSON.stringify(["7", "2026-01-01", "1"])).toString("base64url")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_cursor");
  });
});

describe("the ticket page's SLA panel", () => {
  const panelOf = (html: string) => textOf(/data-testid="sla-panel"[^>]*>([\s\S]*?)<\/section>/.exec(html)![1]!.replace(/<!-- -->/g, ""));

  it("shows the policy and each target's state, due time (UTC in the server's HTML) and time late or left", async () => {
    const html = await page(`/tickets/${acmeTickets.overdue.number}`);
    const panel = panelOf(html);
    expect(panel).toContain("Standard");
    expect(panel).toMatch(/First reply\s*Breached\s*Was due \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · (30|31) m late/);
    expect(panel).toMatch(/Resolution\s*Running\s*Due \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · 6 h (29|30) m left/);
    const [row] = await acmeDb.db.select().from(acmeDb.t.ticketSlas).where(eq(acmeDb.t.ticketSlas.ticketId, acmeTickets.overdue.id));
    expect(html.toLowerCase()).toContain(`datetime="${row!.nextBreachAt!.toISOString().toLowerCase()}"`);
  });

  it("shows achieved and paused targets, and says when no policy applies", async () => {
    const paused = panelOf(await page(`/tickets/${acmeTickets.paused.number}`));
    expect(paused).toMatch(/First reply\s*Achieved\s*Met \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(paused).toMatch(/Resolution\s*Paused\s*(7 h 59 m|8 h) left when it resumes/);
    expect(panelOf(await page(`/tickets/${acmeTickets.untracked.number}`))).toBe("SLANo SLA policy applies to this ticket.");
  });
});

describe("the API's sla field", () => {
  it("gives the policy, the next breach and each target's state as of now", async () => {
    const response = await api(`/api/tickets/${acmeTickets.overdue.number}`);
    expect(response.status).toBe(200);
    const [row] = await acmeDb.db.select().from(acmeDb.t.ticketSlas).where(eq(acmeDb.t.ticketSlas.ticketId, acmeTickets.overdue.id));
    const { sla } = response.body;
    expect(sla.policy).toBe("Standard");
    expect(sla.nextBreachAt).toBe(row!.nextBreachAt!.toISOString());
    expect(sla.firstReply).toEqual({ state: "breached", dueAt: sla.nextBreachAt, breachedAt: sla.nextBreachAt, completedAt: null, targetMinutes: 60 });
    expect(sla.resolution).toMatchObject({ state: "running", breachedAt: null, targetMinutes: 480 });
    expect(Date.parse(sla.resolution.dueAt) - Date.parse(sla.firstReply.dueAt)).toBe(420 * MINUTE);
    expect(sla.nextReply).toBeNull();
  });

  it("answers null targets for a ticket without an SLA, and carries the SLA in list items and the SLA views", async () => {
    const untracked = await api(`/api/tickets/${acmeTickets.untracked.number}`);
    expect(untracked.body.sla).toEqual({ policy: null, nextBreachAt: null, firstReply: null, nextReply: null, resolution: null });
    const paused = (await api(`/api/tickets/${acmeTickets.paused.number}`)).body.sla;
    expect(paused.firstReply.state).toBe("achieved");
    expect(paused.resolution).toMatchObject({ state: "paused", dueAt: null });
    const breached = await api("/api/tickets?sla=breached");
    expect(breached.body.data.map((ticket: { number: number }) => ticket.number)).toEqual([acmeTickets.overdue.number]);
    expect(breached.body.data[0].sla.firstReply.state).toBe("breached");
    expect((await api("/api/tickets?sla=late")).status).toBe(400);
  });
});

describe("another workspace", () => {
  it("never shows its SLA data", async () => {
    for (const path of ["/tickets?sla=breached", "/tickets?sort=next_breach&status=all", "/tickets?sla=due_soon"]) {
      expect(await page(path), path).not.toContain("Globex secret");
    }
    const list = await api("/api/tickets?sort=next_breach&status=all&limit=100");
    expect(list.body.data.map((ticket: { subject: string }) => ticket.subject)).not.toContain("Globex secret overdue");
    // Its session is worthless here, and its own breached view holds only its own ticket.
    const globexMember = await createMember(platform, globex, { email: "g2@views.test" });
    const globexSession = await sessionFor(platform, globex, globexMember.id);
    const own = await apiCall(server, globex, globexSession, "GET", "/api/tickets?sla=breached");
    expect(own.body.data.map((ticket: { number: number }) => ticket.number)).toEqual([globexOverdue]);
    expect((await apiCall(server, acme, globexSession, "GET", "/api/tickets?sla=breached")).status).toBe(401);
  });
});
