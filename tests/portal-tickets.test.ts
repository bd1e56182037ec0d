import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentActor } from "../app/activity/actor";
import { createCustomer } from "../app/customers/customers.server";
import { createCustomerSession, portalCookie } from "../app/portal/customer-sessions.server";
import { addMessage, createTicket, updateTicket } from "../app/tickets/ticket-commands.server";
import { getTicket, listTicketMessages } from "../app/tickets/ticket-detail.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, form, postHeaders } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, TEST_SESSION_SECRET, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let acmeDb: TenantHandle;
let alice: string;
let bob: string;
let aliceTicket: number;
let bobTicket: number;
let globexOnlyTicket: number;
let agentId: number;

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const get = (path: string, cookie: string, tenant = acme) => server.request(host(tenant), path, { headers: { cookie } });
const post = (path: string, fields: Record<string, string>, cookie: string, tenant = acme) =>
  server.request(host(tenant), path, { method: "POST", body: form(fields), headers: postHeaders(`http://${host(tenant)}`, { cookie }) });

/** Signs a customer in by writing a session row, as tests do for agents; the sign-in itself is tested in portal-sign-in. */
async function portalSessionFor(tenant: TenantRecord, customerId: number): Promise<string> {
  const token = await createCustomerSession(platform.router.forTenant(tenant), customerId);
  return (await portalCookie({ sessionSecret: TEST_SESSION_SECRET, secureCookies: false }, tenant).serialize(token)).split(";")[0]!;
}

const SECRET_NOTE = "INTERNAL: refund approved by finance, do not tell yet";
const AGENT_EMAIL = "hidden.agent@tickets-portal.test";

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform), createTestTenant(platform)]);
  acmeDb = platform.router.forTenant(acme);
  const agent = await createMember(platform, acme, { email: AGENT_EMAIL, name: "Ada Agent" });
  agentId = agent.id;
  const a = await createCustomer(
    acmeDb,
    { type: "system" },
    { name: "Alice Customer", email: "alice@tickets-portal.test", company: "Alice Co", phone: "+1 555 0100" },
  );
  const b = await createCustomer(acmeDb, { type: "system" }, { name: "Bob Other", email: "bob@tickets-portal.test", company: null, phone: null });
  aliceTicket = (
    await createTicket(acmeDb, agentActor(agent), {
      customer: { id: a.id },
      subject: "Alice cannot log in",
      message: "My password does not work.",
      channel: "web",
      assigneeId: agent.id,
      tags: ["vip-secret-tag"],
    })
  ).number;
  await addMessage(acmeDb, agentActor(agent), aliceTicket, { body: SECRET_NOTE, internal: true });
  await addMessage(acmeDb, agentActor(agent), aliceTicket, { body: "Please try resetting it from the login page." });
  bobTicket = (
    await createTicket(acmeDb, agentActor(agent), { customer: { id: b.id }, subject: "Bob's private invoice", message: "Invoice 42 is wrong.", channel: "web" })
  ).number;
  const globexDb = platform.router.forTenant(globex);
  const globexAgent = await createMember(platform, globex, { email: "g@tickets-portal.test" });
  const globexAlice = await createCustomer(
    globexDb,
    { type: "system" },
    { name: "Alice at Globex", email: "alice@tickets-portal.test", company: null, phone: null },
  );
  for (let i = 0; i < 4; i += 1) {
    globexOnlyTicket = (
      await createTicket(globexDb, agentActor(globexAgent), {
        customer: { id: globexAlice.id },
        subject: `Globex secret ${i}`,
        message: "confidential",
        channel: "web",
      })
    ).number;
  }
  alice = await portalSessionFor(acme, a.id);
  bob = await portalSessionFor(acme, b.id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("my requests", () => {
  it("lists only the signed-in customer's own requests, with their status", async () => {
    const response = await get("/portal/tickets", alice);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Alice cannot log in");
    expect(html).toContain("Open");
    expect(html).not.toContain("Bob&#x27;s private invoice");
    expect(html).not.toContain("Bob");
    expect(html).not.toContain("Globex secret");
    const bobs = await (await get("/portal/tickets", bob)).text();
    expect(bobs).toContain("Bob&#x27;s private invoice");
    expect(bobs).not.toContain("Alice cannot log in");
  });
});

describe("a request's page", () => {
  it("shows the public thread, and never internal notes, assignee, tags or other customers, in the HTML or the .data response", async () => {
    for (const path of [`/portal/tickets/${aliceTicket}`, `/portal/tickets/${aliceTicket}.data`, `/portal/tickets.data`]) {
      const response = await get(path, alice);
      expect(response.status).toBe(200);
      const body = await response.text();
      if (!path.startsWith("/portal/tickets.data")) {
        expect(body).toContain("My password does not work.");
        expect(body).toContain("Please try resetting it from the login page.");
      }
      for (const secret of [
        SECRET_NOTE,
        "INTERNAL",
        "refund approved",
        AGENT_EMAIL,
        "vip-secret-tag",
        "Alice Co",
        "+1 555 0100",
        "Bob",
        "internal",
        "assignee",
        "priority",
      ]) {
        expect(body, `${path} leaks ${secret}`).not.toContain(secret);
      }
    }
  });

  it("answers another customer's ticket, another workspace's number and nonsense with the same plain 404", async () => {
    const bodies: string[] = [];
    const hex = `0x${aliceTicket.toString(16)}`;
    for (const path of [
      `/portal/tickets/${bobTicket}`,
      `/portal/tickets/${globexOnlyTicket}`,
      "/portal/tickets/99999999",
      "/portal/tickets/abc",
      "/portal/tickets/-1",
      `/portal/tickets/${hex}`,
      `/portal/tickets/0${aliceTicket}`,
      `/portal/tickets/${aliceTicket}.0`,
      `/portal/tickets/+${aliceTicket}`,
    ]) {
      const response = await get(path, alice);
      expect(response.status, path).toBe(404);
      const html = await response.text();
      expect(html).not.toContain("Bob&#x27;s private invoice");
      expect(html).not.toContain("Invoice 42");
      expect(html).not.toContain("Globex secret");
      expect(html).toContain("We could not find that page or request.");
      bodies.push(html.replace(/nonce="[^"]*"/g, "").replace(/\/portal\/tickets\/[^"\s<]*/g, "PATH"));
    }
    // Bob's existing ticket is indistinguishable from a number nobody has
    expect(bodies[0]).toBe(bodies[2]);
    const data = await get(`/portal/tickets/${bobTicket}.data`, alice);
    expect(await data.text()).not.toContain("Invoice 42");
  });

  it("sends a visitor to sign in, and back to the request afterwards", async () => {
    const response = await server.request(host(acme), `/portal/tickets/${aliceTicket}`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/portal/login?redirectTo=%2Fportal%2Ftickets%2F${aliceTicket}`);
  });
});

describe("replying", () => {
  it("adds the customer's reply for the agents, reopens a solved request and notifies the assignee", async () => {
    await updateTicket(acmeDb, agentActor({ id: agentId }), aliceTicket, { status: "solved" });
    const response = await post(`/portal/tickets/${aliceTicket}`, { body: "It still does not work, sorry!" }, alice);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/portal/tickets/${aliceTicket}#latest`);
    const ticket = await getTicket(acmeDb, aliceTicket);
    expect(ticket.status).toBe("open");
    const thread = await listTicketMessages(acmeDb, ticket.id, { includeInternal: true });
    expect(thread.at(-1)).toMatchObject({ body: "It still does not work, sorry!", authorType: "customer", internal: false, authorName: "Alice Customer" });
    const { db, t } = acmeDb;
    const notices = await db
      .select({ kind: t.outboundEmails.kind, to: t.outboundEmails.toAddress })
      .from(t.outboundEmails)
      .where(eq(t.outboundEmails.kind, "customer_reply_notice"));
    expect(notices).toEqual([{ kind: "customer_reply_notice", to: AGENT_EMAIL }]);
    const page = await (await get(`/portal/tickets/${aliceTicket}`, alice)).text();
    expect(page).toContain("It still does not work, sorry!");
  });

  it("shows an empty reply as a field error and adds nothing", async () => {
    const before = (await listTicketMessages(acmeDb, (await getTicket(acmeDb, aliceTicket)).id, { includeInternal: true })).length;
    const response = await post(`/portal/tickets/${aliceTicket}`, { body: "   " }, alice);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Write a message.");
    expect((await listTicketMessages(acmeDb, (await getTicket(acmeDb, aliceTicket)).id, { includeInternal: true })).length).toBe(before);
  });

  it("refuses a reply to someone else's request with the same 404", async () => {
    const bobId = (await getTicket(acmeDb, bobTicket)).id;
    const before = (await listTicketMessages(acmeDb, bobId, { includeInternal: true })).length;
    const response = await post(`/portal/tickets/${bobTicket}`, { body: "Let me in" }, alice);
    expect(response.status).toBe(404);
    expect((await listTicketMessages(acmeDb, bobId, { includeInternal: true })).length).toBe(before);
  });
});
