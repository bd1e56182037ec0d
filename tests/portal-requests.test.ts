import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../app/customers/customers.server";
import { MIN_FILL_SECONDS } from "../app/portal/request-form-token.server";
import { savePortalSettings } from "../app/portal/portal-settings.server";
import { PORTAL_LIMITS } from "../app/portal/portal-rate-limits.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { form, postHeaders } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;
let categorised: TenantRecord;
let limited: TenantRecord;
let acmeDb: TenantHandle;

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const get = (tenant: TenantRecord, path: string) => server.request(host(tenant), path);
const post = (tenant: TenantRecord, fields: Record<string, string>) =>
  server.request(host(tenant), "/portal/new", { method: "POST", body: form(fields), headers: postHeaders(`http://${host(tenant)}`) });

/** A freshly rendered form's signed token (its render time and idempotency key). */
async function renderForm(tenant: TenantRecord): Promise<string> {
  const html = await (await get(tenant, "/portal/new")).text();
  const token = /name="formToken" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error("the request form has no formToken");
  return token;
}
const waitForFillTime = () => new Promise((resolve) => setTimeout(resolve, MIN_FILL_SECONDS * 1000 + 200));

const request = (formToken: string, overrides: Record<string, string> = {}) => ({
  formToken,
  name: "Rita Request",
  email: "rita@requests.test",
  subject: "The blue widget hums",
  message: "It hums at 3 am.\nEvery night.",
  website: "",
  ...overrides,
});

async function ticketsWithSubject(handle: TenantHandle, subject: string) {
  const { db, t } = handle;
  return db
    .select({
      id: t.tickets.id,
      number: t.tickets.number,
      channel: t.tickets.channel,
      category: t.tickets.category,
      idempotencyKey: t.tickets.idempotencyKey,
      customerId: t.tickets.customerId,
    })
    .from(t.tickets)
    .where(eq(t.tickets.subject, subject));
}

async function ticketCount(handle: TenantHandle) {
  const [row] = await handle.db.select({ n: count() }).from(handle.t.tickets);
  return row!.n;
}

let tokens: string[] = [];
let globexToken: string;

beforeAll(async () => {
  [acme, globex, categorised, limited] = await Promise.all([
    createTestTenant(platform),
    createTestTenant(platform),
    createTestTenant(platform),
    createTestTenant(platform),
  ]);
  acmeDb = platform.router.forTenant(acme);
  await savePortalSettings(platform.router.forTenant(categorised), { type: "system" }, { categories: ["Billing", "Shipping"] });
  server = await startTestServer(platform);
  // Every test needs forms older than the minimum fill time: render them all now and wait once.
  tokens = await Promise.all(Array.from({ length: 8 }, () => renderForm(acme)));
  globexToken = await renderForm(globex);
  await waitForFillTime();
}, 60_000);
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("submitting a request", () => {
  it("files the customer (email matched case-insensitively), a portal ticket, its first message, the activity and the confirmation email, then shows the number", async () => {
    const existing = await createCustomer(acmeDb, { type: "system" }, { name: "Rita Existing", email: "Rita.Known@Requests.test", company: null, phone: null });
    const response = await post(acme, request(tokens[0]!, { email: "rita.known@requests.TEST", subject: "Known customer asks" }));
    expect(response.status).toBe(302);
    const location = response.headers.get("location")!;
    expect(location).toMatch(/^\/portal\/received\/\d+\?receipt=[A-Za-z0-9_-]{43}$/);

    const [ticket] = await ticketsWithSubject(acmeDb, "Known customer asks");
    expect(ticket).toMatchObject({ channel: "portal", customerId: existing.id, category: null });
    expect(ticket!.idempotencyKey).toMatch(/^portal:/);
    expect(location).toContain(`/portal/received/${ticket!.number}?`);
    const { db, t } = acmeDb;
    const messages = await db
      .select({ body: t.ticketMessages.body, authorType: t.ticketMessages.authorType, internal: t.ticketMessages.internal })
      .from(t.ticketMessages)
      .where(eq(t.ticketMessages.ticketId, ticket!.id));
    expect(messages).toEqual([{ body: "It hums at 3 am.\nEvery night.", authorType: "customer", internal: false }]);
    const activity = await db
      .select({ action: t.activityLogs.action, actorType: t.activityLogs.actorType })
      .from(t.activityLogs)
      .where(eq(t.activityLogs.ticketId, ticket!.id));
    expect(activity).toEqual([{ action: "ticket.created", actorType: "customer" }]);
    const emails = await db
      .select({ kind: t.outboundEmails.kind, to: t.outboundEmails.toAddress, subject: t.outboundEmails.subject })
      .from(t.outboundEmails)
      .where(eq(t.outboundEmails.ticketId, ticket!.id));
    expect(emails).toEqual([{ kind: "ticket_confirmation", to: "rita.known@requests.TEST", subject: expect.stringContaining(`#${ticket!.number}`) }]);

    const page = await get(acme, location);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`#<!-- -->${ticket!.number}`);
    expect(html).toContain("A confirmation email is on its way");
    expect(html.toLowerCase()).toContain("r•••@requests.test");
  });

  it("shows the confirmation only with the receipt the redirect carried", async () => {
    const [ticket] = await ticketsWithSubject(acmeDb, "Known customer asks");
    const good = (await post(acme, request(tokens[0]!, { email: "rita.known@requests.TEST", subject: "Known customer asks" }))).headers.get("location")!;
    const receipt = new URL(good, "http://x").searchParams.get("receipt")!;
    expect((await get(acme, `/portal/received/${ticket!.number}`)).status).toBe(404);
    expect((await get(acme, `/portal/received/${ticket!.number}?receipt=${"A".repeat(43)}`)).status).toBe(404);
    expect((await get(acme, `/portal/received/${ticket!.number + 1}?receipt=${receipt}`)).status).toBe(404);
    // another workspace's server key makes another receipt
    expect((await get(globex, `/portal/received/${ticket!.number}?receipt=${receipt}`)).status).toBe(404);
  });

  it("creates exactly one ticket when the same form arrives five times at once, and answers every copy with the same confirmation", async () => {
    const before = await ticketCount(acmeDb);
    const fields = request(tokens[1]!, { subject: "Double click storm", email: "storm@requests.test" });
    const responses = await Promise.all(Array.from({ length: 5 }, () => post(acme, fields)));
    expect(responses.map((r) => r.status)).toEqual([302, 302, 302, 302, 302]);
    const locations = new Set(responses.map((r) => r.headers.get("location")));
    expect(locations.size).toBe(1);
    const tickets = await ticketsWithSubject(acmeDb, "Double click storm");
    expect(tickets).toHaveLength(1);
    expect(await ticketCount(acmeDb)).toBe(before + 1);
    const { db, t } = acmeDb;
    const [emails] = await db
      .select({ n: count() })
      .from(t.outboundEmails)
      .where(and(eq(t.outboundEmails.ticketId, tickets[0]!.id), eq(t.outboundEmails.kind, "ticket_confirmation")));
    expect(emails!.n).toBe(1);
    const [customers] = await db
      .select({ n: count() })
      .from(t.customers)
      .where(sql`lower(${t.customers.email}) = 'storm@requests.test'`);
    expect(customers!.n).toBe(1);

    // a browser retry later, even with the email's case changed, lands on the same confirmation
    const retry = await post(acme, { ...fields, email: "STORM@requests.test" });
    expect(retry.status).toBe(302);
    expect(retry.headers.get("location")).toBe([...locations][0]);
    // the same form key with someone else's email is not a retry and reveals nothing
    const stolen = await post(acme, { ...fields, email: "mallory@requests.test" });
    expect(stolen.status).toBe(409);
    const html = await stolen.text();
    expect(html).toContain("This form was already sent");
    expect(html).not.toContain(`/portal/received/`);
    expect(await ticketCount(acmeDb)).toBe(before + 1);
  });

  it("refuses a filled-in honeypot and creates nothing", async () => {
    const before = await ticketCount(acmeDb);
    const response = await post(acme, request(tokens[2]!, { subject: "Buy cheap pills", website: "http://spam.example" }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("We could not accept this request.");
    expect(html).toContain('value="Buy cheap pills"');
    expect(await ticketCount(acmeDb)).toBe(before);
  });

  it("refuses a form sent faster than a person can fill it in, keeping what was typed, and creates nothing", async () => {
    const before = await ticketCount(acmeDb);
    const fresh = await renderForm(acme);
    const response = await post(acme, request(fresh, { subject: "Too quick" }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("That was faster than a person can fill in this form");
    expect(html).toContain('value="Too quick"');
    expect(html).toContain("It hums at 3 am.");
    expect(await ticketCount(acmeDb)).toBe(before);
  });

  it("refuses a missing, forged, back-dated or foreign form token", async () => {
    const before = await ticketCount(acmeDb);
    const [renderedAt, nonce, signature] = tokens[3]!.split(".");
    const candidates = ["", "garbage", `${Number(renderedAt) - 60_000}.${nonce}.${signature}`, `${renderedAt}.${"B".repeat(24)}.${signature}`, globexToken];
    for (const formToken of candidates) {
      const response = await post(acme, request(formToken, { subject: "Forged form" }));
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("We could not check this form.");
    }
    expect(await ticketCount(acmeDb)).toBe(before);
  });

  it("shows field errors in place and keeps the typed values", async () => {
    const response = await post(acme, request(tokens[4]!, { email: "not-an-email", name: "", subject: "Kept subject" }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Enter a valid email address.");
    expect(html).toContain("Enter your name.");
    expect(html).toContain('value="Kept subject"');
    expect(html).toMatch(/aria-invalid="true"/);
    expect(await ticketsWithSubject(acmeDb, "Kept subject")).toHaveLength(0);
    // the form was not used up: the same form, corrected, goes through
    expect((await post(acme, request(tokens[4]!, { subject: "Kept subject" }))).status).toBe(302);
  });
});

describe("categories", () => {
  it("asks for one of the workspace's categories and stores it on the ticket", async () => {
    const db = platform.router.forTenant(categorised);
    const page = await (await get(categorised, "/portal/new")).text();
    expect(page).toContain("Choose a category…");
    expect(page).toContain(">Shipping</option>");
    const [a, b] = await Promise.all([renderForm(categorised), renderForm(categorised)]);
    await waitForFillTime();
    const missing = await post(categorised, request(a, { subject: "Where is my parcel" }));
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("Choose a category.");
    const bogus = await post(categorised, request(a, { subject: "Where is my parcel", category: "Gardening" }));
    expect(bogus.status).toBe(400);
    expect(await bogus.text()).toContain("Choose one of the listed categories.");
    expect((await post(categorised, request(b, { subject: "Where is my parcel", category: "Shipping" }))).status).toBe(302);
    expect((await ticketsWithSubject(db, "Where is my parcel"))[0]).toMatchObject({ category: "Shipping" });
    // a workspace without categories has no category field
    expect(await (await get(acme, "/portal/new")).text()).not.toContain("Choose a category…");
  });
});

describe("rate limit", () => {
  it(`accepts ${PORTAL_LIMITS.requestsPerIp.points} requests per client address, then refuses with Retry-After and keeps the values`, async () => {
    const limit = PORTAL_LIMITS.requestsPerIp.points;
    const forms = await Promise.all(Array.from({ length: limit + 1 }, () => renderForm(limited)));
    await waitForFillTime();
    for (let i = 0; i < limit; i += 1) {
      expect((await post(limited, request(forms[i]!, { subject: `Request ${i}` }))).status).toBe(302);
    }
    const refused = await post(limited, request(forms[limit]!, { subject: "One too many" }));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const html = await refused.text();
    expect(html).toContain("You have sent several requests in a short time.");
    expect(html).toContain('value="One too many"');
    expect(await ticketsWithSubject(platform.router.forTenant(limited), "One too many")).toHaveLength(0);
    // a retry of a form that already went through is still answered
    expect((await post(limited, request(forms[0]!, { subject: "Request 0" }))).status).toBe(302);
  });
});
