import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentActor } from "../app/activity/actor";
import { createTicket, updateTicket } from "../app/tickets/ticket-commands.server";
import { getTicket, listTicketMessages } from "../app/tickets/ticket-detail.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let acmeDb: TenantHandle;
let session: { cookie: string; csrf: string };
let agentId: number;
let acmeTicket: number;
let globexOnlyTicket: number;

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const get = (path: string, tenant = acme) => server.request(host(tenant), path, { headers: { cookie: session.cookie } });
const post = (path: string, fields: Record<string, string>, tenant = acme) =>
  server.request(host(tenant), path, {
    method: "POST",
    body: form({ csrf: session.csrf, ...fields }),
    headers: postHeaders(`http://${host(tenant)}`, { cookie: session.cookie }),
  });

beforeAll(async () => {
  acme = await createTestTenant(platform);
  globex = await createTestTenant(platform);
  acmeDb = platform.router.forTenant(acme);
  const agent = await createMember(platform, acme, { email: "agent@screens.test", name: "Sam Screens" });
  agentId = agent.id;
  session = await sessionFor(platform, acme, agent.id);
  acmeTicket = (
    await createTicket(acmeDb, agentActor(agent), {
      customer: { name: "Quinn Customer", email: "quinn@screens.test" },
      subject: "Blue widget squeaks",
      message: "It squeaks at night.",
      channel: "web",
    })
  ).number;
  // globex numbers its tickets independently: make one that acme does not have
  const globexDb = platform.router.forTenant(globex);
  const globexAdmin = await createMember(platform, globex, { email: "g@screens.test" });
  for (let i = 0; i < 3; i += 1) {
    globexOnlyTicket = (
      await createTicket(globexDb, agentActor(globexAdmin), {
        customer: { name: "Secret", email: "secret@globex.test" },
        subject: `Globex secret ${i}`,
        message: "confidential",
        channel: "web",
      })
    ).number;
  }
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("ticket list", () => {
  it("lists, filters and searches through URL state, with tab counts", async () => {
    const list = await (await get("/tickets")).text();
    expect(list).toContain("Blue widget squeaks");
    expect(list).toContain("Quinn Customer");
    expect(list).toMatch(/data-testid="tab-count-unsolved"[^>]*>1</);
    const search = await (await get("/tickets?q=squeak&status=all")).text();
    expect(search).toContain("Blue widget squeaks");
    const miss = await (await get("/tickets?q=globex")).text();
    expect(miss).not.toContain("Globex secret");
    expect(miss).toContain("No tickets match this search");
    expect(await (await get("/tickets?status=solved")).text()).toContain("No tickets here");
    // a malformed filter falls back instead of failing the page
    expect((await get("/tickets?priority=extreme&assignee=%27;drop")).status).toBe(200);
  });

  it("bulk-changes the selected tickets and says how many", async () => {
    const response = await post("/tickets?status=all", { bulk: "priority", priority: "urgent", numbers: String(acmeTicket) });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toContain("updated=1");
    expect((await getTicket(acmeDb, acmeTicket)).priority).toBe("urgent");
    const none = await post("/tickets", { bulk: "status", status: "solved" });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain("Select at least one ticket first.");
  });
});

describe("ticket page", () => {
  it("shows the thread and the customer; another workspace's number or a non-number is a plain 404", async () => {
    const page = await (await get(`/tickets/${acmeTicket}`)).text();
    expect(page).toContain("It squeaks at night.");
    expect(page).toContain("quinn@screens.test");
    for (const path of [`/tickets/${globexOnlyTicket}`, "/tickets/abc", "/tickets/99999999999"]) {
      const response = await get(path);
      expect(response.status).toBe(404);
      const html = await response.text();
      expect(html).not.toContain("Globex secret");
      expect(html).toContain("Back to tickets");
    }
  });

  it("reads a ticket number in plain digits only: other spellings of the same number are a 404", async () => {
    expect(acmeTicket).toBe(1001);
    expect((await get("/tickets/1001")).status).toBe(200);
    for (const spelling of [
      "0x3E9",
      "0x3e9",
      "1.001e3",
      "1001.0",
      "+1001",
      "01001",
      "%201001",
      "1001%20",
      "0b1111101001",
      "0o1751",
      "4294968297",
      "2147483648",
    ]) {
      const response = await get(`/tickets/${spelling}`);
      expect(response.status, spelling).toBe(404);
      expect(await response.text(), spelling).not.toContain("Blue widget squeaks");
    }
    const reply = await post("/tickets/0x3E9", { intent: "reply", kind: "public", body: "Through a hex number" });
    expect(reply.status).toBe(404);
    const ticket = await getTicket(acmeDb, acmeTicket);
    expect((await listTicketMessages(acmeDb, ticket.id, { includeInternal: true })).map((m) => m.body)).not.toContain("Through a hex number");
  });

  it("posts a public reply and an internal note; an empty reply is a field error", async () => {
    expect((await post(`/tickets/${acmeTicket}`, { intent: "reply", kind: "public", body: "We oiled it." })).status).toBe(200);
    expect((await post(`/tickets/${acmeTicket}`, { intent: "reply", kind: "internal", body: "Customer seems nice" })).status).toBe(200);
    const ticket = await getTicket(acmeDb, acmeTicket);
    const thread = await listTicketMessages(acmeDb, ticket.id, { includeInternal: true });
    expect(thread.slice(-2).map((m) => [m.body, m.internal, m.authorName])).toEqual([
      ["We oiled it.", false, "Sam Screens"],
      ["Customer seems nice", true, "Sam Screens"],
    ]);
    expect(ticket.firstResponseAt).not.toBeNull();
    const empty = await post(`/tickets/${acmeTicket}`, { intent: "reply", kind: "public", body: "   " });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain("Write a message.");
  });

  it("saves properties, and refuses a stale version with the current values", async () => {
    const { version } = await getTicket(acmeDb, acmeTicket);
    const saved = await post(`/tickets/${acmeTicket}`, {
      intent: "properties",
      version: String(version),
      status: "pending",
      priority: "high",
      assigneeId: String(agentId),
      tags: "hardware, noisy",
    });
    expect(saved.status).toBe(200);
    expect(await getTicket(acmeDb, acmeTicket)).toMatchObject({
      status: "pending",
      priority: "high",
      assigneeId: agentId,
      tags: ["hardware", "noisy"],
      version: version + 1,
    });

    await updateTicket(acmeDb, agentActor({ id: agentId }), acmeTicket, { status: "on_hold" });
    const stale = await post(`/tickets/${acmeTicket}`, {
      intent: "properties",
      version: String(version + 1),
      status: "solved",
      priority: "low",
      assigneeId: "",
      tags: "",
    });
    expect(stale.status).toBe(409);
    const html = await stale.text();
    expect(html).toContain("This ticket changed since you opened it.");
    expect(html).toContain("On hold");
    expect(await getTicket(acmeDb, acmeTicket)).toMatchObject({ status: "on_hold", priority: "high" });
  });
});

describe("the 20-tag cap", () => {
  it("bulk 'add tag' says which tickets are full and changes none; a ticket over the cap still saves", async () => {
    const agent = agentActor({ id: agentId });
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i + 1}`);
    const full = (
      await createTicket(acmeDb, agent, {
        customer: { name: "Quinn Customer", email: "quinn@screens.test" },
        subject: "Many tags",
        message: "x",
        channel: "web",
        tags: twenty,
      })
    ).number;
    const other = (
      await createTicket(acmeDb, agent, {
        customer: { name: "Quinn Customer", email: "quinn@screens.test" },
        subject: "Few tags",
        message: "x",
        channel: "web",
      })
    ).number;
    const refused = await post("/tickets?status=all", { bulk: "tag", tag: "one-more", numbers: String(full) }, acme);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain(`Ticket #${full} already has 20 tags`);
    const both = new URLSearchParams({ csrf: session.csrf, bulk: "tag", tag: "one-more" });
    both.append("numbers", String(other));
    both.append("numbers", String(full));
    const mixed = await server.request(host(acme), "/tickets?status=all", {
      method: "POST",
      body: both.toString(),
      headers: postHeaders(`http://${host(acme)}`, { cookie: session.cookie }),
    });
    expect(mixed.status).toBe(409);
    expect((await getTicket(acmeDb, other)).tags).toEqual([]);
    expect((await getTicket(acmeDb, full)).tags).toEqual(twenty);

    // Tags from before the cap: the properties form still saves, as long as the ticket gains no tag.
    const legacy = [...twenty, "t21", "t22"];
    await acmeDb.db.update(acmeDb.t.tickets).set({ tags: legacy }).where(eq(acmeDb.t.tickets.number, full));
    const { version } = await getTicket(acmeDb, full);
    const saved = await post(`/tickets/${full}`, {
      intent: "properties",
      version: String(version),
      status: "pending",
      priority: "normal",
      assigneeId: "",
      tags: legacy.join(", "),
    });
    expect(saved.status).toBe(200);
    expect(await getTicket(acmeDb, full)).toMatchObject({ status: "pending", tags: legacy });
    const grown = await post(`/tickets/${full}`, {
      intent: "properties",
      version: String(version + 1),
      status: "pending",
      priority: "normal",
      assigneeId: "",
      tags: [...legacy, "t23"].join(", "),
    });
    expect(grown.status).toBe(400);
    expect(await grown.text()).toContain("A ticket can have at most 20 tags.");
  });
});

describe("new ticket", () => {
  it("keeps what was typed and shows field errors; a valid form creates the ticket and opens it", async () => {
    const invalid = await post("/tickets/new", { subject: "Cannot print", message: "", customerEmail: "not-an-email" });
    expect(invalid.status).toBe(400);
    const html = await invalid.text();
    expect(html).toContain("Write a message.");
    expect(html).toContain("Enter a valid email address.");
    expect(html).toContain('value="Cannot print"');

    const created = await post("/tickets/new", {
      subject: "Cannot print",
      message: "Paper jam",
      customerName: "Pat Printer",
      customerEmail: "pat@screens.test",
      priority: "high",
      tags: "printing",
    });
    expect(created.status).toBe(302);
    const number = Number(created.headers.get("location")!.split("/").pop());
    expect(await getTicket(acmeDb, number)).toMatchObject({
      subject: "Cannot print",
      priority: "high",
      tags: ["printing"],
      channel: "web",
      customer: { email: "pat@screens.test" },
    });
  });

  it("finds customers as you type through its own loader", async () => {
    const html = await (await get("/tickets/new?customerQuery=quin")).text();
    expect(html).toContain("quinn@screens.test");
  });
});
