import { setTimeout as sleep } from "node:timers/promises";
import { asc } from "drizzle-orm";
import nodemailer from "nodemailer";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Platform } from "../tenancy/platform";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, sessionFor } from "./support/auth";
import { requestServer, type ServerProcess } from "./support/server-process";
import { startServerOnOwnDatabase, type OwnDatabaseServer } from "./support/own-database-server";
import { createTestTenant, uniqueSlug } from "./support/test-platform";

/**
 * How long app/tickets/ticket-counters.server.ts keeps a workspace's counters. A write clears only
 * the copy of the cache in its own module instance: were the worker's copy of the module another
 * than the web's, the web would show the old numbers for up to this long after the worker's write.
 */
const COUNTER_CACHE_TTL_MS = 1_000;
const INBOUND_DOMAIN = "in.graph.test";

describe("one module graph in the server process (`tsx server.ts` over the server build)", () => {
  let own: OwnDatabaseServer;
  let platform: Platform;
  let tenant: TenantRecord;
  let cookie: string;
  let server: ServerProcess;
  let smtpPort: number;

  beforeAll(async () => {
    own = await startServerOnOwnDatabase("graph", { inboundDomain: INBOUND_DOMAIN });
    ({ platform, server } = own);
    smtpPort = own.ports.smtp;
    tenant = await createTestTenant(platform, { slug: uniqueSlug("graph") });
    const agent = await createMember(platform, tenant, { email: `agent@${tenant.slug}.test` });
    ({ cookie } = await sessionFor(platform, tenant, agent.id));
  }, 180_000);

  afterAll(() => own?.stop());

  /** The sidebar's "Unassigned" number on /tickets, as the agent's browser gets it. */
  async function unassignedInSidebar(): Promise<number> {
    const page = await requestServer(server.port, `${tenant.slug}.localhost`, "/tickets", { headers: { cookie } });
    expect(page.status).toBe(200);
    const count = /data-testid="count-unassigned"[^>]*>(\d+)</.exec(page.body)?.[1];
    if (count === undefined) throw new Error(`no unassigned count in the page:\n${page.body.slice(0, 2000)}`);
    return Number(count);
  }

  async function mailSupport(subject: string, text: string): Promise<void> {
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({ from: "Casey Customer <casey@customer.test>", to: `support@${tenant.slug}.${INBOUND_DOMAIN}`, subject, text });
    expect(info.response.slice(0, 3)).toBe("250");
    transport.close();
  }

  /** Until the worker has finished every inbound job (and so run everything after its commit); the emails' outcomes in arrival order. */
  async function inboundSettled(expected: number): Promise<Array<{ status: string; ticketId: number | null }>> {
    const { db, t } = platform.router.forTenant(tenant);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(25)) {
      const rows = await db
        .select({ status: t.inboundEmails.status, ticketId: t.inboundEmails.ticketId })
        .from(t.inboundEmails)
        .orderBy(asc(t.inboundEmails.id));
      const { rows: jobs } = await platform.control.pool.query<{ pending: number }>(
        `SELECT count(*)::int AS pending FROM graphile_worker._private_jobs jobs JOIN graphile_worker._private_tasks tasks ON tasks.id = jobs.task_id
         WHERE tasks.identifier = 'process_inbound_email'`,
      );
      if (rows.length === expected && rows.every((row) => row.status !== "received") && jobs[0]!.pending === 0) return rows;
    }
    throw new Error(`the inline worker did not process ${expected} inbound email(s):\n${server.output.join("").slice(-4000)}`);
  }

  it("reads an email that reached the built server's SMTP receiver in its reader thread, and files it as a ticket", async () => {
    expect(await unassignedInSidebar()).toBe(0);
    await mailSupport("Printer on fire", "The printer in room 4 is smoking. Please advise.");
    const [outcome] = await inboundSettled(1);
    expect(outcome).toEqual({ status: "processed", ticketId: expect.any(Number) });
    const { db, t } = platform.router.forTenant(tenant);
    const [ticket] = await db.select({ subject: t.tickets.subject }).from(t.tickets);
    expect(ticket?.subject).toBe("Printer on fire");
  }, 90_000);

  it("a ticket the inline worker files shows in the web's sidebar count at once, not when the web's cached counters expire", async () => {
    await inboundSettled(1);
    const before = await unassignedInSidebar();
    // Hold the worker's transaction just before it commits: it has written the ticket and waits to
    // update the counters, which this lock blocks (reads of the counters go on).
    const locker = new pg.Client({ connectionString: own.databaseUrl });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query(`LOCK TABLE ${pg.escapeIdentifier(tenant.schemaName)}.ticket_counters IN EXCLUSIVE MODE`);
      await mailSupport("Second floor is flooding", "Water everywhere near the kitchen.");
      for (let waiting = 0; waiting === 0; await sleep(25)) {
        const { rows } = await locker.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_locks WHERE NOT granted AND relation = '${pg.escapeIdentifier(tenant.schemaName)}.ticket_counters'::regclass`,
        );
        waiting = rows[0]!.waiting;
      }
      // Whatever the web cached earlier has expired by now, so this request caches the counters afresh
      // (without the new ticket): from here on the web's copy is good for COUNTER_CACHE_TTL_MS.
      await sleep(COUNTER_CACHE_TTL_MS + 200);
      const cachedAt = performance.now();
      expect(await unassignedInSidebar()).toBe(before);
      await locker.query("COMMIT");

      await inboundSettled(2);
      const after = await unassignedInSidebar();
      // Read within the web copy's lifetime: only the worker's write clearing that very copy shows the ticket.
      expect(performance.now() - cachedAt, "the check came too late to tell one cache from two").toBeLessThan(COUNTER_CACHE_TTL_MS);
      expect(after).toBe(before + 1);
    } finally {
      await locker.query("ROLLBACK").catch(() => undefined);
      await locker.end();
    }
  }, 90_000);
});
