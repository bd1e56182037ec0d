import { asc, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMacro, getMacro } from "../app/macros/macros.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
type Session = { cookie: string; csrf: string };
let admin: Session & { id: number };
let agent: Session & { id: number };
let other: Session & { id: number };

const host = (tenant = acme) => `${tenant.slug}.localhost`;
const get = (path: string, session: Session) => server.request(host(), path, { headers: { cookie: session.cookie } });
const post = (path: string, fields: Array<[string, string]>, session: Session) =>
  server.request(host(), path, {
    method: "POST",
    body: new URLSearchParams([["csrf", session.csrf], ...fields]).toString(),
    headers: postHeaders(`http://${host()}`, { cookie: session.cookie }),
  });
const handle = () => platform.router.forTenant(acme);
const viewer = (s: { id: number }, role: "admin" | "agent" = "agent") => ({ id: s.id, role, name: "x" });
async function macroRows() {
  const { db, t } = handle();
  return db.select().from(t.macros).orderBy(asc(t.macros.id));
}
async function newTicket(tags: string[] = []) {
  return createTicket(
    handle(),
    { type: "system" },
    {
      customer: { name: "Grace <b>Hopper</b>", email: `${Math.random().toString(36).slice(2)}@c.test` },
      subject: "Printer",
      message: "Hi",
      channel: "email",
      tags,
    },
  );
}
const save = (fields: Record<string, string>, session: Session, edit?: number) =>
  post(`/settings/macros${edit ? `?edit=${edit}` : ""}`, [["intent", "save"], ...Object.entries(fields)], session);

beforeAll(async () => {
  acme = await createTestTenant(platform, { name: "Acme" });
  const member = async (email: string, role: "admin" | "agent") => {
    const id = (await createMember(platform, acme, { email, role, name: email.split("@")[0] })).id;
    return { id, ...(await sessionFor(platform, acme, id)) };
  };
  admin = await member("boss@macro-screens.test", "admin");
  agent = await member("ann@macro-screens.test", "agent");
  other = await member("bob@macro-screens.test", "agent");
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("/settings/macros", () => {
  it("shows agents the shared macros read-only and lets them manage their own; the link is in their settings", async () => {
    const shared = await createMacro(handle(), viewer(admin, "admin"), {
      name: "Shared refund",
      shared: true,
      bodyKind: "reply",
      body: "Refunded.",
      actions: {},
    });
    const bobs = await createMacro(handle(), viewer(other), { name: "Bob secret", shared: false, bodyKind: "note", body: "x", actions: {} });
    const html = await (await get("/settings/macros", agent)).text();
    expect(html).toMatch(/<a[^>]*href="\/settings\/macros"[^>]*>Macros<\/a>/);
    expect(html).toContain("Shared refund");
    expect(html).not.toContain("Bob secret");
    expect(html).not.toContain(`?edit=${shared.id}`);
    expect(html).toContain("Managed by admins");
    expect((await get(`/settings/macros?edit=${shared.id}`, agent)).status).toBe(403);
    expect((await get(`/settings/macros?edit=${bobs.id}`, agent)).status).toBe(404);
    expect((await get(`/settings/macros?edit=${bobs.id}`, admin)).status).toBe(404);
    expect((await get(`/settings/macros?edit=abc`, agent)).status).toBe(404);
    expect((await get(`/settings/macros?edit=1e3`, agent)).status).toBe(404);

    const before = await macroRows();
    expect((await save({ name: "Taken over", bodyKind: "reply", body: "x" }, agent, shared.id)).status).toBe(403);
    expect(
      (
        await post(
          "/settings/macros",
          [
            ["intent", "delete"],
            ["macroId", String(shared.id)],
          ],
          agent,
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await post(
          "/settings/macros",
          [
            ["intent", "delete"],
            ["macroId", String(bobs.id)],
          ],
          agent,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await post(
          "/settings/macros",
          [
            ["intent", "delete"],
            ["macroId", "0x1"],
          ],
          agent,
        )
      ).status,
    ).toBe(404);
    expect((await save({ name: "Sneaky shared", scope: "shared", bodyKind: "reply", body: "x" }, agent)).status).toBe(403);
    expect(await macroRows()).toEqual(before);

    const created = await save({ name: "Ann's own", bodyKind: "reply", body: "Hi {{customer.first_name}}", priority: "high" }, agent);
    expect(created.status).toBe(302);
    const row = (await macroRows()).find((m) => m.name === "Ann's own")!;
    expect(row).toMatchObject({ ownerUserId: agent.id, bodyKind: "reply", body: "Hi {{customer.first_name}}", actions: { priority: "high" } });
    expect(created.headers.get("location")).toBe(`/settings/macros?saved=${row.id}`);
    expect((await save({ name: "Shared by admin", scope: "shared", bodyKind: "none", status: "pending" }, admin)).status).toBe(302);
    expect((await macroRows()).find((m) => m.name === "Shared by admin")).toMatchObject({ ownerUserId: null, body: null, actions: { status: "pending" } });
  });

  it("refuses bad input with the error next to its field, keeping what was typed", async () => {
    const before = await macroRows();
    const unknownStatus = await save({ name: "Vendor wait", bodyKind: "none", status: "waiting_on_nobody" }, agent);
    expect(unknownStatus.status).toBe(400);
    const html = await unknownStatus.text();
    expect(html).toMatch(/id="[^"]*-status-error"[^>]*role="alert"[\s\S]{0,200}There is no status “waiting_on_nobody”/);
    expect(html).toContain('value="Vendor wait"');

    const placeholder = await (await save({ name: "Typo", bodyKind: "reply", body: "Hi {{customer.firstname}}" }, agent)).text();
    expect(placeholder).toMatch(/-body-error"[^>]*role="alert"[\s\S]{0,200}\{\{customer.firstname\}\} is not a placeholder/);
    expect(placeholder).toContain("{{customer.first_name}}");

    const tags = Array.from({ length: 10_000 }, (_, i) => `t${i}`).join(",");
    const many = await save({ name: "Many tags", bodyKind: "none", addTags: tags }, agent);
    expect(many.status).toBe(400);
    expect(await many.text()).toMatch(/-addTags-error"[^>]*role="alert"[\s\S]{0,200}at most 20 tags/);
    const huge = await save({ name: "Huge", bodyKind: "reply", body: "x".repeat(20_001) }, agent);
    expect(huge.status).toBe(400);
    expect((await save({ name: "Extra", bodyKind: "reply", body: "x", ownerUserId: String(other.id) }, agent)).status).toBe(400);
    expect(await macroRows()).toEqual(before);
  });
});

describe("macros on the ticket page and the ticket list", () => {
  it("previews through the page's action without saving anything, and counts a use only when the reply is sent with it", async () => {
    const ticket = await newTicket(["waiting"]);
    const m = await createMacro(handle(), viewer(agent), {
      name: "Ask for logs",
      shared: false,
      bodyKind: "reply",
      body: "Hi {{customer.first_name}}, #{{ticket.number}}",
      actions: { priority: "urgent", addTags: ["logs"] },
    });
    const { db, t } = handle();
    const state = async () => ({
      ticket: await db.select().from(t.tickets).where(eq(t.tickets.number, ticket.number)),
      messages: await db.select({ id: t.ticketMessages.id }).from(t.ticketMessages).where(eq(t.ticketMessages.ticketId, ticket.id)),
      macro: await db.select().from(t.macros).where(eq(t.macros.id, m.id)),
      activity: await db.select({ id: t.activityLogs.id }).from(t.activityLogs),
    });
    const before = await state();
    const preview = await post(
      `/tickets/${ticket.number}`,
      [
        ["intent", "preview-macro"],
        ["macroId", String(m.id)],
      ],
      agent,
    );
    expect(preview.status).toBe(200);
    const body = await preview.text();
    expect(body).toContain(`Hi Grace, #${ticket.number}`);
    expect(body).toContain('"urgent"');
    expect(await state()).toEqual(before);
    // Another member's personal macro, and ids that are not ids, are not found.
    expect(
      (
        await post(
          `/tickets/${ticket.number}`,
          [
            ["intent", "preview-macro"],
            ["macroId", String(m.id)],
          ],
          other,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await post(
          `/tickets/${ticket.number}`,
          [
            ["intent", "preview-macro"],
            ["macroId", "-1"],
          ],
          agent,
        )
      ).status,
    ).toBe(404);

    const sent = await post(
      `/tickets/${ticket.number}`,
      [
        ["intent", "reply"],
        ["kind", "public"],
        ["body", `Hi Grace, #${ticket.number}`],
        ["macroId", String(m.id)],
      ],
      agent,
    );
    expect(sent.status).toBe(200);
    expect((await getMacro(handle(), viewer(agent), m.id)).usageCount).toBe(1);
    await post(
      `/tickets/${ticket.number}`,
      [
        ["intent", "reply"],
        ["kind", "public"],
        ["body", "No macro this time"],
      ],
      agent,
    );
    expect((await getMacro(handle(), viewer(agent), m.id)).usageCount).toBe(1);
  });

  it("applies a macro's actions to the selected tickets from the list, all or none", async () => {
    const [one, two] = [await newTicket(), await newTicket()];
    const m = await createMacro(handle(), viewer(admin, "admin"), {
      name: "Bulk high",
      shared: true,
      bodyKind: "reply",
      body: "Text is not sent",
      actions: { priority: "high", addTags: ["bulk"] },
    });
    const list = await (await get("/tickets", agent)).text();
    expect(list).toMatch(new RegExp(`<option value="${m.id}">Bulk high</option>`));
    const answer = await post(
      "/tickets?index",
      [
        ["bulk", "macro"],
        ["macroId", String(m.id)],
        ["numbers", String(one.number)],
        ["numbers", String(two.number)],
      ],
      agent,
    );
    expect(answer.status).toBe(302);
    const { db, t } = handle();
    const rows = await db
      .select({ priority: t.tickets.priority, tags: t.tickets.tags })
      .from(t.tickets)
      .where(inArray(t.tickets.number, [one.number, two.number]));
    expect(rows).toEqual([
      { priority: "high", tags: ["bulk"] },
      { priority: "high", tags: ["bulk"] },
    ]);
    const refused = await post(
      "/tickets?index",
      [
        ["bulk", "macro"],
        ["macroId", String(m.id)],
        ["numbers", String(one.number)],
        ["numbers", "99999"],
      ],
      agent,
    );
    expect(refused.status).toBe(404);
    expect(
      (
        await post(
          "/tickets?index",
          [
            ["bulk", "macro"],
            ["macroId", "abc"],
            ["numbers", String(one.number)],
          ],
          agent,
        )
      ).status,
    ).toBe(400);
  });
});
