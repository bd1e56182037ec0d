import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentActor, type Actor } from "../app/activity/actor";
import { createCustomer as createCustomerRow, getCustomer } from "../app/customers/customers.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let session: { cookie: string; csrf: string };
let actor: Actor;

beforeAll(async () => {
  acme = await createTestTenant(platform);
  globex = await createTestTenant(platform);
  const agent = await createMember(platform, acme, { email: "ann@acme.test", name: "Ann Agent" });
  actor = agentActor(agent);
  session = await sessionFor(platform, acme, agent.id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

// CustomerInput (a z.preprocess output) makes company and phone required keys; the forms leave them out.
const createCustomer = (handle: Parameters<typeof createCustomerRow>[0], by: Actor, input: { name: string; email: string; company?: string; phone?: string }) =>
  createCustomerRow(handle, by, { company: null, phone: null, ...input });

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const acmeDb = () => platform.router.forTenant(acme);

function get(path: string, { tenant = acme, cookie = session.cookie }: { tenant?: TenantRecord; cookie?: string } = {}) {
  return server.request(host(tenant), path, { headers: { cookie } });
}

function post(
  path: string,
  fields: Record<string, string>,
  { tenant = acme, auth = session }: { tenant?: TenantRecord; auth?: { cookie: string; csrf: string } } = {},
) {
  return server.request(host(tenant), path, {
    method: "POST",
    body: form({ csrf: auth.csrf, ...fields }),
    headers: postHeaders(`http://${host(tenant)}`, { cookie: auth.cookie }),
  });
}

const decode = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** What a person reads in the page's main panel: no tags, no scripts (the loader data is in there too), no sidebar. */
function mainText(html: string): string {
  const main = /<main[\s\S]*<\/main>/.exec(html)?.[0] ?? "";
  return decode(
    main
      .replace(/<script[\s\S]*?<\/script>/g, " ")
      .replace(/<!-- -->/g, "")
      .replace(/<[^>]+>/g, " "),
  )
    .replace(/\s+/g, " ")
    .trim();
}

/** An input of the main panel's form as rendered (the header has a search box too): its value, whether it is marked invalid, and the text of the errors it points to. */
function input(page: string, name: string) {
  const html = /<main[\s\S]*<\/main>/.exec(page)?.[0] ?? "";
  const tag = new RegExp(`<input[^>]*\\sname="${name}"[^>]*>`).exec(html)?.[0];
  if (!tag) throw new Error(`no input named ${name}`);
  const attr = (attribute: string) => {
    const value = new RegExp(`\\s${attribute}="([^"]*)"`).exec(tag)?.[1];
    return value === undefined ? undefined : decode(value);
  };
  const describedBy = attr("aria-describedby")?.split(/\s+/) ?? [];
  const errors = describedBy
    .map((id) => new RegExp(`<(?:ul|div)[^>]*\\sid="${id}"[^>]*>([\\s\\S]*?)</(?:ul|div)>`).exec(html)?.[1])
    .filter((list): list is string => list !== undefined)
    .map((list) =>
      decode(list.replace(/<[^>]+>/g, " "))
        .replace(/\s+/g, " ")
        .trim(),
    );
  return { value: attr("value") ?? "", invalid: attr("aria-invalid") === "true", errors: errors.join(" ") };
}

/** The rendered rows of the customer list, as text. */
function rows(html: string): string[] {
  return [...html.matchAll(/<tr[^>]*data-testid="customer-row"[^>]*>([\s\S]*?)<\/tr>/g)].map((match) => mainText(`<main>${match[1]}</main>`));
}

/** The customer names the list shows, in order. */
const names = (html: string) =>
  [...html.matchAll(/<tr[^>]*data-testid="customer-row"[^>]*>[\s\S]*?<a[^>]*href="\/customers\/\d+"[^>]*>([^<]*)<\/a>/g)].map((match) => decode(match[1]!));

async function customersWithEmail(email: string) {
  const { db, t } = acmeDb();
  return db
    .select({ id: t.customers.id })
    .from(t.customers)
    .where(sql`lower(${t.customers.email}) = ${email.toLowerCase()}`);
}

describe("customer list", () => {
  it("shows company, email and unsolved tickets per customer, by name, each linking to the detail", async () => {
    const margaret = await createCustomer(acmeDb(), actor, { name: "Margaret Hamilton", email: "margaret@apollo.test", company: "Apollo Guidance" });
    const katherine = await createCustomer(acmeDb(), actor, { name: "Katherine Johnson", email: "katherine@langley.test", company: "Langley Research" });
    await createTicket(acmeDb(), actor, { customer: { id: margaret.id }, subject: "Alarm 1202", message: "Overflow.", channel: "phone" });
    await createTicket(acmeDb(), actor, { customer: { id: margaret.id }, subject: "Alarm 1201", message: "Also overflow.", channel: "phone" });
    await createTicket(acmeDb(), actor, { customer: { id: margaret.id }, subject: "Old one", message: "Fixed.", channel: "email", status: "solved" });

    const response = await get("/customers");
    expect(response.status).toBe(200);
    const html = await response.text();
    const list = rows(html);
    const margaretRow = list.find((row) => row.includes("Margaret Hamilton"));
    const katherineRow = list.find((row) => row.includes("Katherine Johnson"));
    // The company is written twice: in its column, and under the email where small screens hide that column.
    expect(margaretRow).toMatch(/margaret@apollo\.test Apollo Guidance Apollo Guidance 2 /);
    expect(katherineRow).toMatch(/katherine@langley\.test Langley Research Langley Research 0 /);
    expect(list.indexOf(katherineRow!)).toBeLessThan(list.indexOf(margaretRow!));
    expect(html).toContain(`href="/customers/${margaret.id}"`);
    expect(html).toContain(`href="/customers/${katherine.id}"`);
    expect(mainText(html)).toContain("New customer");
  });

  it("searches name, email and company fuzzily, with the query in the URL and kept in the search box", async () => {
    await createCustomer(acmeDb(), actor, { name: "Dorothy Vaughan", email: "dorothy@fortran.test", company: "West Computing" });

    const misspelt = await (await get("/customers?q=Dorothi")).text();
    expect(names(misspelt)).toEqual(["Dorothy Vaughan"]);
    expect(input(misspelt, "q").value).toBe("Dorothi");
    expect(mainText(misspelt)).toContain("Best matches for “Dorothi”");

    expect(rows(await (await get("/customers?q=fortran")).text())).toEqual([expect.stringContaining("Dorothy Vaughan")]);
    expect(rows(await (await get("/customers?q=west%20computing")).text())).toEqual([expect.stringContaining("Dorothy Vaughan")]);
    expect(rows(await (await get("/customers?q=Hamiltom")).text())).toEqual([expect.stringContaining("Margaret Hamilton")]);

    const none = await (await get("/customers?q=zyxwvut")).text();
    expect(rows(none)).toEqual([]);
    expect(mainText(none)).toContain("No customers match “zyxwvut”");
    expect(mainText(none)).toContain("Show all customers");
  });

  it("says so when there are no customers yet, and pages through many with a Next page link", async () => {
    const tenant = await createTestTenant(platform);
    const member = await createMember(platform, tenant, { email: "solo@empty.test" });
    const auth = await sessionFor(platform, tenant, member.id);

    const empty = mainText(await (await get("/customers", { tenant, cookie: auth.cookie })).text());
    expect(empty).toContain("No customers yet");
    expect(empty).toContain("Add your first customer");

    const handle = platform.router.forTenant(tenant);
    for (let i = 1; i <= 27; i++) {
      await createCustomer(handle, agentActor(member), { name: `Customer ${String(i).padStart(2, "0")}`, email: `c${i}@many.test` });
    }
    const first = await (await get("/customers", { tenant, cookie: auth.cookie })).text();
    expect(rows(first)).toHaveLength(25);
    expect(names(first).slice(0, 3)).toEqual(["Customer 01", "Customer 02", "Customer 03"]);
    const next = /<a[^>]*href="(\/customers\?cursor=[^"]+)"[^>]*>Next page<\/a>/.exec(first)?.[1];
    expect(next).toBeDefined();

    const second = await (await get(decode(next!), { tenant, cookie: auth.cookie })).text();
    expect(names(second)).toEqual(["Customer 26", "Customer 27"]);
    expect(mainText(second)).toContain("First page");
    expect(mainText(second)).not.toContain("Next page");

    const badCursor = await get("/customers?cursor=not-a-cursor", { tenant, cookie: auth.cookie });
    expect(badCursor.status).toBe(400);
    expect(mainText(await badCursor.text())).toContain("That page cursor is not valid");
  });
});

describe("creating a customer", () => {
  it("creates the customer, records it and redirects to their page", async () => {
    const response = await post("/customers/new", { name: "Ada Lovelace", email: "ada@engine.test", company: "Analytical Engines", phone: "+44 20 7946 0000" });
    expect(response.status).toBe(302);
    const location = response.headers.get("location")!;
    expect(location).toMatch(/^\/customers\/\d+$/);

    const page = mainText(await (await get(location)).text());
    expect(page).toContain("Ada Lovelace");
    expect(page).toContain("Analytical Engines");
    expect(page).toContain("+44 20 7946 0000");
    expect(page).toContain("No tickets yet");
    expect(page).toContain("Ann Agent added the customer Ada Lovelace");
  });

  it("refuses an email already used in this workspace, in another case, as a field error that keeps what was typed", async () => {
    const response = await post("/customers/new", { name: "Ada Again", email: "ADA@Engine.test", company: "Copycats" });
    expect(response.status).toBe(400);
    const html = await response.text();
    const email = input(html, "email");
    expect(email).toMatchObject({ value: "ADA@Engine.test", invalid: true, errors: "A customer with this email already exists in this workspace." });
    expect(input(html, "name")).toMatchObject({ value: "Ada Again", invalid: false });
    expect(input(html, "company").value).toBe("Copycats");
    expect(mainText(html)).toContain("New customer");
    expect(await customersWithEmail("ada@engine.test")).toHaveLength(1);
  });

  it("shows invalid and missing fields next to each field and creates nothing", async () => {
    const response = await post("/customers/new", { name: "  ", email: "not-an-email", company: "Nowhere Inc" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(input(html, "email")).toMatchObject({ value: "not-an-email", invalid: true, errors: "Enter a valid email address." });
    expect(input(html, "name")).toMatchObject({ invalid: true, errors: "Enter the customer's name." });
    expect(input(html, "company").value).toBe("Nowhere Inc");
    const { db, t } = acmeDb();
    expect(await db.select().from(t.customers).where(eq(t.customers.company, "Nowhere Inc"))).toHaveLength(0);
  });
});

describe("editing a customer", () => {
  it("shows the current values, saves changes and records them with before and after", async () => {
    const customer = await createCustomer(acmeDb(), actor, { name: "Grace Hopper", email: "grace@navy.test", company: "US Navy", phone: "555-0100" });
    const form = await (await get(`/customers/${customer.id}/edit`)).text();
    expect(input(form, "name").value).toBe("Grace Hopper");
    expect(input(form, "company").value).toBe("US Navy");
    expect(mainText(form)).toContain("Edit details");

    const response = await post(`/customers/${customer.id}/edit`, { name: "Grace M. Hopper", email: "grace@navy.test", company: "Remington Rand", phone: "" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/customers/${customer.id}`);

    expect(await getCustomer(acmeDb(), customer.id)).toMatchObject({ name: "Grace M. Hopper", company: "Remington Rand", phone: null });
    const { db, t } = acmeDb();
    const [entry] = await db
      .select({ changes: t.activityLogs.changes, actorUserId: t.activityLogs.actorUserId })
      .from(t.activityLogs)
      .where(and(eq(t.activityLogs.action, "customer.updated"), eq(t.activityLogs.entityId, customer.id)));
    expect(entry).toEqual({
      actorUserId: (actor as { userId: number }).userId,
      changes: {
        name: { from: "Grace Hopper", to: "Grace M. Hopper" },
        company: { from: "US Navy", to: "Remington Rand" },
        phone: { from: "555-0100", to: null },
      },
    });

    const page = mainText(await (await get(`/customers/${customer.id}`)).text());
    expect(page).toContain("Remington Rand");
    expect(page).toMatch(/Ann Agent updated (name|company|phone), (name|company|phone), (name|company|phone) of Grace M\. Hopper/);
  });

  it("refuses another customer's email as a field error and changes nothing", async () => {
    const customer = await createCustomer(acmeDb(), actor, { name: "Alan Turing", email: "alan@bletchley.test" });
    const response = await post(`/customers/${customer.id}/edit`, { name: "Alan M. Turing", email: "Grace@Navy.test" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(input(html, "email")).toMatchObject({
      value: "Grace@Navy.test",
      invalid: true,
      errors: "A customer with this email already exists in this workspace.",
    });
    expect(input(html, "name").value).toBe("Alan M. Turing");
    expect(await getCustomer(acmeDb(), customer.id)).toMatchObject({ name: "Alan Turing", email: "alan@bletchley.test" });
  });
});

describe("customer detail", () => {
  it("lists their tickets with number, subject and status, links a new ticket for them, and shows their activity", async () => {
    const customer = await createCustomer(acmeDb(), actor, { name: "Hedy Lamarr", email: "hedy@spread.test", company: "Frequency Hopping" });
    const other = await createCustomer(acmeDb(), actor, { name: "Someone Else", email: "else@spread.test" });
    const open = await createTicket(acmeDb(), actor, {
      customer: { id: customer.id },
      subject: "Torpedo guidance drifts",
      message: "It drifts.",
      channel: "email",
    });
    const solved = await createTicket(acmeDb(), actor, {
      customer: { id: customer.id },
      subject: "Patent paperwork",
      message: "Done.",
      channel: "web",
      status: "solved",
    });
    const foreign = await createTicket(acmeDb(), actor, { customer: { id: other.id }, subject: "Not Hedy's ticket", message: "No.", channel: "web" });

    const html = await (await get(`/customers/${customer.id}`)).text();
    const page = mainText(html);
    expect(page).toContain("Hedy Lamarr");
    expect(page).toContain(`#${open.number} Torpedo guidance drifts Open`);
    expect(page).toContain(`#${solved.number} Patent paperwork Solved`);
    expect(page).not.toContain("Not Hedy's ticket");
    expect(html).toContain(`href="/tickets/${open.number}"`);
    expect(html).toContain(`href="/tickets/${solved.number}"`);
    expect(html).not.toContain(`href="/tickets/${foreign.number}"`);
    expect(page).toContain("1 unsolved");
    expect(html).toMatch(new RegExp(`<a[^>]*href="/tickets/new\\?customer=${customer.id}"[^>]*>New ticket for this customer</a>`));
    expect(page).toContain(`Ann Agent created #${open.number} Torpedo guidance drifts`);
    expect(page).toContain("Ann Agent added the customer Hedy Lamarr");
  });

  it("is a 404 inside the console for another workspace's customer and for ids that are not ids, with no hint", async () => {
    const { db, t } = acmeDb();
    const [{ max }] = (await db.select({ max: sql<number>`coalesce(max(${t.customers.id}), 0)::int` }).from(t.customers)) as [{ max: number }];
    let foreign = await createCustomer(
      platform.router.forTenant(globex),
      { type: "system" },
      { name: "Secret Globex Client", email: "vip@globex.test", company: "Globex" },
    );
    for (let i = 0; foreign.id <= max; i++) {
      foreign = await createCustomer(
        platform.router.forTenant(globex),
        { type: "system" },
        { name: "Secret Globex Client", email: `vip${i}@globex.test`, company: "Globex" },
      );
    }

    const own = `0x${max.toString(16)}`;
    for (const path of [
      `/customers/${foreign.id}`,
      `/customers/${foreign.id}/edit`,
      "/customers/abc",
      "/customers/0",
      "/customers/1.5",
      "/customers/-1",
      "/customers/99999999999999999999",
      `/customers/${own}`,
      `/customers/${own}/edit`,
      `/customers/0${max}`,
      `/customers/${max}.0`,
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      const html = await response.text();
      expect(html, path).toContain('data-testid="workspace-name"');
      const page = mainText(html);
      expect(page, path).toContain("Not found");
      expect(page, path).not.toMatch(/Globex|vip@/);
    }
    expect(mainText(await (await get(`/customers/${foreign.id}`)).text())).toContain("That customer was not found in this workspace.");

    const edit = await post(`/customers/${foreign.id}/edit`, { name: "Hijacked", email: "vip@globex.test" });
    expect(edit.status).toBe(404);
    expect(await getCustomer(platform.router.forTenant(globex), foreign.id)).toMatchObject({ name: "Secret Globex Client" });
  });
});

describe("without a session", () => {
  it("sends the agent to sign in, and a form post creates nothing", async () => {
    for (const path of ["/customers", "/customers/new", "/customers/1"]) {
      const response = await get(path, { cookie: "" });
      expect(response.status, path).toBe(302);
      expect(response.headers.get("location"), path).toBe(`/login?${new URLSearchParams({ redirectTo: path })}`);
    }
    const response = await server.request(host(acme), "/customers/new", {
      method: "POST",
      body: form({ name: "Anon", email: "anon@x.test" }),
      headers: postHeaders(`http://${host(acme)}`),
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/^\/login\?/);
    expect(await customersWithEmail("anon@x.test")).toHaveLength(0);
  });
});
