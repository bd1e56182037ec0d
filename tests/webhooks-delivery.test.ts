import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import type { JobHelpers } from "graphile-worker";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Actor } from "../app/activity/actor";
import { AppError } from "../app/app-error";
import { createCustomer } from "../app/customers/customers.server";
import { outboundAllowListSetting } from "../app/net/outbound-address-policy.server";
import type { OutboundPolicy } from "../app/net/outbound-http.server";
import { addMessage, createTicket, updateTicket } from "../app/tickets/ticket-commands.server";
import { deliverWebhookTask } from "../app/webhooks/deliver-webhook-task.server";
import { WEBHOOK_MAX_ATTEMPTS } from "../app/webhooks/webhook-events";
import { verifyWebhook } from "../app/webhooks/webhook-signing.server";
import { createWebhook, deleteWebhook, redeliver, revealWebhookSecret, sendTestDelivery, updateWebhook } from "../app/webhooks/webhooks.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";

// Outbound webhooks (issue 14 item 4): the outbox written with each change, and the deliver_webhook
// job run directly against a real receiver on loopback (no worker runs here).
const platform = openTestPlatform();
const SESSION_SECRET = "w".repeat(40);
const loopback: OutboundPolicy = { allowList: outboundAllowListSetting.parse("127.0.0.1"), requireHttps: false };
const closed: OutboundPolicy = { allowList: outboundAllowListSetting.parse(""), requireHttps: false };
const silent = { info: () => {}, warn: () => {}, error: () => {} };

let tenant: TenantRecord;
let other: TenantRecord;
let handle: TenantHandle;
let admin: Actor;
let receiver: Server;
let receiverUrl: string;
/** What the receiver answers next (status codes, in turn; then 204). */
let answers: number[] = [];
let received: Array<{ headers: Record<string, string>; body: string }> = [];

beforeAll(async () => {
  tenant = await createTestTenant(platform, { name: "Hooked" });
  other = await createTestTenant(platform, { name: "Elsewhere" });
  handle = platform.router.forTenant(tenant);
  admin = { type: "agent", userId: (await createMember(platform, tenant, { email: "ada@hooked.test", name: "Ada Admin", role: "admin" })).id };
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      received.push({ headers: request.headers as Record<string, string>, body });
      response.writeHead(answers.shift() ?? 204).end("thanks");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await platform.close();
});
beforeEach(async () => {
  answers = [];
  received = [];
  await handle.db.delete(handle.t.webhooks);
});

const deps = { sessionSecret: SESSION_SECRET, outbound: loopback };
const task = (outbound = loopback) =>
  deliverWebhookTask({ platform, outbound, sessionSecret: SESSION_SECRET, originFor: () => "http://hooked.localhost", log: silent });
const attempt = (attempts: number) => ({ job: { id: "1", attempts, max_attempts: WEBHOOK_MAX_ATTEMPTS } }) as unknown as JobHelpers;
const newWebhook = (events = ["ticket.created", "ticket.updated", "message.created", "customer.created"], url = receiverUrl) =>
  createWebhook(handle, admin, deps, { url, description: "CRM", events: events as never, active: true });
const newTicket = () =>
  createTicket(handle, admin, {
    customer: { name: "Cleo", email: `cleo-${crypto.randomUUID()}@customers.test` },
    subject: "Hook me",
    message: "Hi",
    channel: "api",
  });

async function deliveries(webhookId?: number) {
  const { t } = handle;
  return handle.db
    .select()
    .from(t.webhookDeliveries)
    .where(webhookId ? eq(t.webhookDeliveries.webhookId, webhookId) : undefined)
    .orderBy(t.webhookDeliveries.id);
}

async function queuedJobs(deliveryIds: number[]) {
  const { rows } = await handle.db.execute<{ payload: { tenantId: string; deliveryId: number }; queue: string | null; max_attempts: number }>(sql`
    select jobs.payload, queues.queue_name as queue, jobs.max_attempts from graphile_worker._private_jobs jobs
    join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
    left join graphile_worker._private_job_queues queues on queues.id = jobs.job_queue_id
    where tasks.identifier = 'deliver_webhook'`);
  return rows.filter((row) => row.payload.tenantId === tenant.id && deliveryIds.includes(row.payload.deliveryId));
}

describe("the outbox", () => {
  it("writes one delivery per listening webhook with its job, in the change's transaction", async () => {
    const all = await newWebhook();
    const onlyCreated = await newWebhook(["ticket.created"]);
    await newWebhook(["customer.created"]);
    const ticket = await newTicket();
    const rows = await deliveries();
    // The new customer went to the two webhooks that want customers; the ticket to two.
    expect(rows.map((row) => [row.webhookId, row.event]).sort()).toEqual(
      [
        [all, "customer.created"],
        [all, "ticket.created"],
        [onlyCreated, "ticket.created"],
        [rows.find((row) => row.event === "customer.created" && row.webhookId !== all)!.webhookId, "customer.created"],
      ].sort(),
    );
    const created = rows.find((row) => row.webhookId === all && row.event === "ticket.created")!;
    expect(created.payload).toMatchObject({
      type: "ticket.created",
      data: { ticket: { number: ticket.number, subject: "Hook me", status: "open", statusCategory: "open" } },
    });
    const jobs = await queuedJobs(rows.map((row) => row.id));
    expect(jobs).toHaveLength(rows.length);
    expect(jobs.every((job) => job.max_attempts === WEBHOOK_MAX_ATTEMPTS)).toBe(true);
    expect(new Set(jobs.filter((job) => job.queue === `webhook:${tenant.id}:${all}`).map((job) => job.payload.deliveryId)).size).toBe(2);
  });

  it("writes nothing for a change that fails, for a switched-off webhook, or for events nobody wants", async () => {
    const id = await newWebhook(["ticket.updated"]);
    const ticket = await newTicket();
    expect(await deliveries()).toHaveLength(0);
    await expect(updateTicket(handle, admin, ticket.number, { priority: "high" }, 99)).rejects.toThrow(AppError);
    expect(await deliveries()).toHaveLength(0);
    await updateWebhook(handle, admin, deps, id, { url: receiverUrl, description: "", events: ["ticket.updated"], active: false });
    await updateTicket(handle, admin, ticket.number, { priority: "high" });
    expect(await deliveries()).toHaveLength(0);
  });

  it("says what changed in ticket.updated and carries the message in message.created", async () => {
    await newWebhook(["ticket.updated", "message.created"]);
    const ticket = await newTicket();
    await updateTicket(handle, admin, ticket.number, { priority: "urgent", tags: ["vip"] });
    await addMessage(handle, admin, ticket.number, { body: "On it", internal: true });
    const [updated, message] = await deliveries();
    expect(updated!.payload).toMatchObject({
      type: "ticket.updated",
      data: { ticket: { priority: "urgent", tags: ["vip"] }, changes: { priority: { from: "normal", to: "urgent" }, tags: { from: [], to: ["vip"] } } },
    });
    expect(message!.payload).toMatchObject({ type: "message.created", data: { message: { body: "On it", internal: true, authorType: "agent" } } });
  });

  it("never sends one workspace's events to another's webhook", async () => {
    await newWebhook();
    const elsewhere = platform.router.forTenant(other);
    await createCustomer(elsewhere, { type: "system" }, { name: "Not yours", email: "not-yours@customers.test", company: null, phone: null });
    expect(await deliveries()).toHaveLength(0);
  });
});

describe("delivering", () => {
  it("POSTs the event signed with the webhook's secret (Standard Webhooks), marks it delivered, and a retried job sends nothing more", async () => {
    const id = await newWebhook(["customer.created"]);
    await createCustomer(handle, admin, { name: "Sig Nature", email: "sig@customers.test", company: null, phone: null });
    const [row] = await deliveries(id);
    answers = [200];
    await task()({ tenantId: tenant.id, deliveryId: row!.id }, attempt(1));
    expect(received).toHaveLength(1);
    const [request] = received;
    const secret = await revealWebhookSecret(handle, SESSION_SECRET, id);
    expect(secret).toMatch(/^whsec_/);
    const signed = {
      id: request!.headers["webhook-id"]!,
      timestamp: request!.headers["webhook-timestamp"]!,
      signature: request!.headers["webhook-signature"]!,
    };
    expect(signed.id).toBe(row!.messageId);
    expect(Math.abs(Number(signed.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(verifyWebhook(secret, signed, request!.body)).toBe(true);
    expect(verifyWebhook(secret, signed, request!.body.replace("Sig", "Big"))).toBe(false);
    expect(JSON.parse(request!.body)).toMatchObject({
      type: "customer.created",
      data: { customer: { name: "Sig Nature", email: "sig@customers.test", company: null } },
    });
    const [done] = await deliveries(id);
    expect(done).toMatchObject({ status: "delivered", attempts: 1, responseStatus: 200, responseExcerpt: "thanks", deliveredAt: expect.any(Date) });

    await task()({ tenantId: tenant.id, deliveryId: row!.id }, attempt(2));
    expect(received).toHaveLength(1);
  });

  it("an endpoint that is down, then back, gets the event once, after the failed attempts are recorded and retried", async () => {
    const id = await newWebhook(["ticket.created"]);
    await newTicket();
    const [row] = await deliveries(id);
    answers = [503, 500];
    await expect(task()({ tenantId: tenant.id, deliveryId: row!.id }, attempt(1))).rejects.toThrow(/503/);
    await expect(task()({ tenantId: tenant.id, deliveryId: row!.id }, attempt(2))).rejects.toThrow(/500/);
    expect((await deliveries(id))[0]).toMatchObject({ status: "pending", attempts: 2, responseStatus: 500, lastError: "The endpoint answered 500." });
    await task()({ tenantId: tenant.id, deliveryId: row!.id }, attempt(3));
    expect((await deliveries(id))[0]).toMatchObject({ status: "delivered", attempts: 3, responseStatus: 204 });
    // Three requests, all of the same message: receivers de-duplicate on webhook-id.
    expect(new Set(received.map((request) => request.headers["webhook-id"]))).toEqual(new Set([row!.messageId]));
    expect(received).toHaveLength(3);
  });

  it("refuses a private address: at saving when it is written in the URL, at delivery when a name leads there", async () => {
    for (const url of ["http://10.1.2.3/hook", "http://127.0.0.1:9/x", "http://[::1]/x", "http://localhost/x", "http://169.254.169.254/latest"]) {
      const error = await createWebhook(
        handle,
        admin,
        { sessionSecret: SESSION_SECRET, outbound: closed },
        { url, description: "", events: ["ticket.created"], active: true },
      ).catch((caught: unknown) => caught);
      expect((error as AppError).details, url).toMatchObject({ field: "url" });
    }
    // Saved while the loopback was allowed; delivered under the production rule: refused, nothing received.
    const id = await newWebhook(["ticket.created"], receiverUrl.replace("127.0.0.1", "localhost"));
    await newTicket();
    const [row] = await deliveries(id);
    await expect(task(closed)({ tenantId: tenant.id, deliveryId: row!.id }, attempt(1))).rejects.toThrow(/does not connect to/);
    expect(received).toHaveLength(0);
    expect((await deliveries(id))[0]!.lastError).toMatch(/does not connect to/);
  });

  it("does not follow a redirect", async () => {
    const redirecting = createServer((_request, response) => response.writeHead(307, { location: receiverUrl }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    try {
      const id = await newWebhook(["ticket.created"], `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/old`);
      await newTicket();
      const [row] = await deliveries(id);
      await expect(task()({ tenantId: tenant.id, deliveryId: row!.id }, attempt(1))).rejects.toThrow(/redirected/);
      expect(received).toHaveLength(0);
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it("after the last attempt fails with nothing delivered since, switches the webhook off and emails the admins", async () => {
    const id = await newWebhook(["ticket.created"]);
    await newTicket();
    const [row] = await deliveries(id);
    answers = [500];
    await task()({ tenantId: tenant.id, deliveryId: row!.id }, attempt(WEBHOOK_MAX_ATTEMPTS));
    expect((await deliveries(id))[0]).toMatchObject({ status: "failed", attempts: 1 });
    const [webhook] = await handle.db.select().from(handle.t.webhooks).where(eq(handle.t.webhooks.id, id));
    expect(webhook).toMatchObject({ active: false, disabledReason: expect.stringMatching(/no delivery has succeeded/) });
    const emails = await handle.db
      .select({ to: handle.t.outboundEmails.toAddress, text: handle.t.outboundEmails.textBody })
      .from(handle.t.outboundEmails)
      .where(eq(handle.t.outboundEmails.kind, "webhook_disabled"));
    expect(emails).toContainEqual({ to: "ada@hooked.test", text: expect.stringContaining(`/settings/webhooks/${id}`) });
    // Off: new events are not written, a test is refused until an admin switches it on (which clears the reason).
    await newTicket();
    expect(await deliveries(id)).toHaveLength(1);
    await expect(sendTestDelivery(handle, admin, id)).rejects.toThrow(/Switch the webhook on/);
    await updateWebhook(handle, admin, deps, id, { url: receiverUrl, description: "", events: ["ticket.created"], active: true });
    expect((await handle.db.select().from(handle.t.webhooks).where(eq(handle.t.webhooks.id, id)))[0]!.disabledReason).toBeNull();
  });

  it("keeps a webhook on when a delivery fails for good but a later one got through", async () => {
    const id = await newWebhook(["ticket.created"]);
    await newTicket();
    await newTicket();
    const [first, second] = await deliveries(id);
    await task()({ tenantId: tenant.id, deliveryId: second!.id }, attempt(1));
    answers = [500];
    await task()({ tenantId: tenant.id, deliveryId: first!.id }, attempt(WEBHOOK_MAX_ATTEMPTS));
    expect((await handle.db.select().from(handle.t.webhooks).where(eq(handle.t.webhooks.id, id)))[0]!.active).toBe(true);
  });

  it("sends a test event and redelivers a finished delivery with the same webhook-id; another webhook's delivery is a 404", async () => {
    const id = await newWebhook(["ticket.created"]);
    const otherId = await newWebhook(["ticket.created"]);
    const testId = await sendTestDelivery(handle, admin, id);
    await task()({ tenantId: tenant.id, deliveryId: testId }, attempt(1));
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: "webhook.test", data: { workspace: tenant.slug } });
    await expect(redeliver(handle, admin, otherId, testId)).rejects.toThrow(/not found/);
    await redeliver(handle, admin, id, testId);
    await expect(redeliver(handle, admin, id, testId)).rejects.toThrow(/still being sent/);
    expect(await queuedJobs([testId])).toHaveLength(2);
    await task()({ tenantId: tenant.id, deliveryId: testId }, attempt(1));
    expect(received.map((request) => request.headers["webhook-id"])).toEqual([received[0]!.headers["webhook-id"], received[0]!.headers["webhook-id"]]);
  });

  it("drops a delivery whose webhook was deleted", async () => {
    const id = await newWebhook(["ticket.created"]);
    await newTicket();
    const [row] = await deliveries(id);
    await deleteWebhook(handle, admin, id);
    await task()({ tenantId: tenant.id, deliveryId: row!.id }, attempt(1));
    expect(received).toHaveLength(0);
    expect(await handle.db.select().from(handle.t.webhookDeliveries).where(eq(handle.t.webhookDeliveries.id, row!.id))).toHaveLength(0);
  });
});
