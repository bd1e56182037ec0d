import { asc, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../app/app-error";
import { renderPlaceholders, splitPlaceholders, unknownPlaceholders, type PlaceholderValues } from "../app/macros/macro-placeholders";
import { macroFormSchema, macroInputFromForm, type MacroInput } from "../app/macros/macro-schema";
import { applyMacroToTickets, createMacro, deleteMacro, getMacro, listMacros, previewMacro, recordMacroUse, updateMacro } from "../app/macros/macros.server";
import { createTicketStatus, setTicketStatusActive } from "../app/ticket-statuses/ticket-statuses.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";

const platform = openTestPlatform();
let acme: TenantRecord;
let globex: TenantRecord;
let handle: TenantHandle;
type Viewer = { id: number; role: "admin" | "agent"; name: string };
let admin: Viewer;
let ann: Viewer;
let bob: Viewer;
let globexAdmin: Viewer;

const VALUES: PlaceholderValues = {
  "ticket.number": "1042",
  "ticket.subject": "Printer <b>on fire</b>",
  "ticket.status": "Waiting on vendor",
  "ticket.priority": "Urgent",
  "customer.name": "Grace {{agent.name}} Hopper",
  "customer.first_name": "Grace",
  "customer.email": "grace@navy.test",
  "agent.name": "Ann Agent",
  "agent.first_name": "Ann",
  "workspace.name": "Acme & Sons",
};

const macro = (input: Partial<MacroInput> & { name: string }): MacroInput => ({ shared: false, bodyKind: null, body: null, actions: {}, ...input });
const code = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, field: error.details?.field, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
};

async function newTicket(tags: string[] = [], name = "Grace Hopper") {
  return createTicket(
    handle,
    { type: "system" },
    { customer: { name, email: `${Math.random().toString(36).slice(2)}@customer.test` }, subject: "Printer", message: "Hello", channel: "email", tags },
  );
}
async function ticketRows(numbers: number[]) {
  const { db, t } = handle;
  return db
    .select({
      number: t.tickets.number,
      status: t.tickets.statusKey,
      priority: t.tickets.priority,
      assigneeId: t.tickets.assigneeId,
      tags: t.tickets.tags,
      version: t.tickets.version,
    })
    .from(t.tickets)
    .where(inArray(t.tickets.number, numbers))
    .orderBy(asc(t.tickets.number));
}
async function snapshot(numbers: number[]) {
  const { db, t } = handle;
  return {
    tickets: await ticketRows(numbers),
    macros: await db.select().from(t.macros).orderBy(asc(t.macros.id)),
    activity: await db.select({ id: t.activityLogs.id }).from(t.activityLogs),
    messages: await db.select({ id: t.ticketMessages.id }).from(t.ticketMessages),
  };
}

beforeAll(async () => {
  [acme, globex] = await Promise.all([createTestTenant(platform, { name: "Acme & Sons" }), createTestTenant(platform, { name: "Globex" })]);
  handle = platform.router.forTenant(acme);
  const member = async (tenant: TenantRecord, email: string, role: "admin" | "agent", name: string) => ({
    id: (await createMember(platform, tenant, { email, role, name })).id,
    role,
    name,
  });
  admin = await member(acme, "boss@macros.test", "admin", "Bea Boss");
  ann = await member(acme, "ann@macros.test", "agent", "Ann Agent");
  bob = await member(acme, "bob@macros.test", "agent", "Bob Agent");
  globexAdmin = await member(globex, "boss@globex-macros.test", "admin", "Gus Globex");
});
afterAll(() => platform.close());

describe("placeholders", () => {
  it("fills in every known placeholder once, as plain text: values are neither re-expanded nor HTML-escaped here", () => {
    const body =
      "#{{ticket.number}} {{ticket.subject}} ({{ ticket.status }}, {{ticket.priority}}) for {{customer.name}} / {{customer.first_name}} <{{customer.email}}> from {{agent.name}} ({{agent.first_name}}) at {{workspace.name}}";
    expect(renderPlaceholders(body, VALUES)).toBe(
      "#1042 Printer <b>on fire</b> (Waiting on vendor, Urgent) for Grace {{agent.name}} Hopper / Grace <grace@navy.test> from Ann Agent (Ann) at Acme & Sons",
    );
    // Braces around a placeholder, and nested openings, keep the literal text.
    expect(renderPlaceholders("{{{ticket.number}}} {{ {{agent.first_name}} }}", VALUES)).toBe("{1042} {{ Ann }}");
    expect(renderPlaceholders("no placeholders {{ here", VALUES)).toBe("no placeholders {{ here");
  });

  it("refuses an unknown placeholder when saving, naming it and listing the known ones", () => {
    expect(unknownPlaceholders("Hi {{customer.first_name}}, {{ticket.id}} {{ Customer.Name }} {{ticket.id}}")).toEqual(["ticket.id", "Customer.Name"]);
    const result = macroFormSchema.safeParse({ name: "Hello", bodyKind: "reply", body: "Hi {{customer.firstname}}" });
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path[0] === "body")!;
    expect(issue.message).toContain("{{customer.firstname}} is not a placeholder");
    expect(issue.message).toContain("{{customer.first_name}}");
    expect(issue.message).toContain("{{workspace.name}}");
    const ok = macroFormSchema.parse({ name: "Hello", bodyKind: "reply", body: "Hi {{customer.first_name}}" });
    expect(macroInputFromForm(ok)).toEqual({ name: "Hello", shared: false, bodyKind: "reply", body: "Hi {{customer.first_name}}", actions: {} });
  });

  it("scans in linear time, whatever the body holds", () => {
    for (const hostile of ["{{".repeat(500_000), "{{x".repeat(300_000) + "}}", "{{a}}".repeat(200_000), "{".repeat(1_000_000) + "}".repeat(1_000_000)]) {
      const started = performance.now();
      splitPlaceholders(hostile);
      renderPlaceholders(hostile, VALUES);
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});

describe("shared and personal macros", () => {
  it("lets admins manage shared macros, agents only their own; another member's personal macro is not found", async () => {
    expect(await code(createMacro(handle, ann, macro({ name: "Shared by ann", shared: true, bodyKind: "reply", body: "x" })))).toMatchObject({
      code: "forbidden",
    });
    const shared = await createMacro(handle, admin, macro({ name: "Refund", shared: true, bodyKind: "reply", body: "Refunded." }));
    const annOwn = await createMacro(handle, ann, macro({ name: "Ann's greeting", bodyKind: "reply", body: "Hi!" }));
    expect(shared.shared).toBe(true);
    expect(annOwn.shared).toBe(false);

    // Ann sees the shared macro (read-only) and her own; Bob and the admin do not see Ann's.
    expect((await listMacros(handle, ann)).map((m) => [m.name, m.editable])).toEqual(
      expect.arrayContaining([
        ["Refund", false],
        ["Ann's greeting", true],
      ]),
    );
    expect((await listMacros(handle, bob)).map((m) => m.name)).not.toContain("Ann's greeting");
    expect((await listMacros(handle, admin)).map((m) => m.name)).not.toContain("Ann's greeting");
    for (const viewer of [bob, admin]) {
      expect(await code(getMacro(handle, viewer, annOwn.id))).toMatchObject({ code: "not_found" });
      expect(await code(updateMacro(handle, viewer, annOwn.id, macro({ name: "Hijacked" })))).toMatchObject({ code: "not_found" });
      expect(await code(deleteMacro(handle, viewer, annOwn.id))).toMatchObject({ code: "not_found" });
      expect(await code(recordMacroUse(handle, viewer, annOwn.id))).toMatchObject({ code: "not_found" });
    }
    expect(await code(updateMacro(handle, ann, shared.id, macro({ name: "Mine now", bodyKind: "reply", body: "x" })))).toMatchObject({ code: "forbidden" });
    expect(await code(deleteMacro(handle, ann, shared.id))).toMatchObject({ code: "forbidden" });
    expect((await getMacro(handle, ann, annOwn.id)).name).toBe("Ann's greeting");
    expect((await getMacro(handle, admin, shared.id)).name).toBe("Refund");

    // The admin edits the shared macro; Ann edits her own.
    expect((await updateMacro(handle, admin, shared.id, macro({ name: "Refund issued", bodyKind: "reply", body: "Refunded." }))).name).toBe("Refund issued");
    expect((await updateMacro(handle, ann, annOwn.id, macro({ name: "Ann's hello", bodyKind: "reply", body: "Hi!" }))).name).toBe("Ann's hello");

    // Another workspace's id names nothing here: ids are per workspace, so take one Globex has and Acme does not.
    const globexHandle = platform.router.forTenant(globex);
    const globexIds: number[] = [];
    for (let i = 0; i < 6; i++)
      globexIds.push((await createMacro(globexHandle, globexAdmin, macro({ name: `Globex ${i}`, shared: true, bodyKind: "note", body: "x" }))).id);
    const acmeIds = (await handle.db.select({ id: handle.t.macros.id }).from(handle.t.macros)).map((row) => row.id);
    const foreign = globexIds.find((id) => !acmeIds.includes(id))!;
    expect(foreign).toBeDefined();
    const ticket = await newTicket();
    expect(await code(getMacro(handle, admin, foreign))).toMatchObject({ code: "not_found" });
    expect(await code(previewMacro(handle, foreign, ticket.number, admin))).toMatchObject({ code: "not_found" });
    expect(await code(recordMacroUse(handle, admin, foreign))).toMatchObject({ code: "not_found" });
    expect(await code(applyMacroToTickets(handle, admin, foreign, [ticket.number]))).toMatchObject({ code: "not_found" });
    expect(await code(deleteMacro(handle, admin, foreign))).toMatchObject({ code: "not_found" });
    expect(await code(previewMacro(handle, 9_999_999, ticket.number, admin))).toMatchObject({ code: "not_found" });
  });

  it("keeps one name per owner in any case, and records creating, changing and deleting in the activity log", async () => {
    const created = await createMacro(handle, bob, macro({ name: "Bob closes", actions: { priority: "low" } }));
    expect(await code(createMacro(handle, bob, macro({ name: "BOB CLOSES", actions: { priority: "low" } })))).toMatchObject({ field: "name" });
    // The same name is fine for someone else's personal macro.
    const anns = await createMacro(handle, ann, macro({ name: "Bob closes", actions: { priority: "high" } }));
    await updateMacro(handle, bob, created.id, macro({ name: "Bob closes it", actions: { priority: "low" } }));
    await deleteMacro(handle, bob, created.id);
    const { db, t } = handle;
    const entries = await db
      .select({ action: t.activityLogs.action, actorUserId: t.activityLogs.actorUserId, changes: t.activityLogs.changes })
      .from(t.activityLogs)
      .where(eq(t.activityLogs.entityId, created.id))
      .orderBy(asc(t.activityLogs.id));
    expect(entries.filter((e) => e.action.startsWith("macro."))).toEqual([
      { action: "macro.created", actorUserId: bob.id, changes: { name: { from: null, to: "Bob closes" }, shared: { from: null, to: false } } },
      { action: "macro.updated", actorUserId: bob.id, changes: { name: { from: "Bob closes", to: "Bob closes it" } } },
      { action: "macro.deleted", actorUserId: bob.id, changes: { name: { from: "Bob closes it", to: null } } },
    ]);
    await deleteMacro(handle, ann, anns.id);
  });

  it("refuses hostile input: a huge body, thousands of tags, unknown or deactivated statuses, former members", async () => {
    const form = (fields: Record<string, string>) => macroFormSchema.safeParse({ name: "Hostile", bodyKind: "none", ...fields });
    const paths = (fields: Record<string, string>) => {
      const result = form(fields);
      return result.success ? [] : result.error.issues.map((issue) => issue.path.join("."));
    };
    expect(paths({ bodyKind: "reply", body: "x".repeat(20_001) })).toContain("body");
    expect(paths({ bodyKind: "reply", body: "x".repeat(20_000) })).toEqual([]);
    expect(paths({ addTags: Array.from({ length: 10_000 }, (_, i) => `tag${i}`).join(",") })).toContain("addTags");
    expect(paths({ removeTags: Array.from({ length: 21 }, (_, i) => `tag${i}`).join(",") })).toContain("removeTags");
    expect(paths({ addTags: "bad tag!" })).toContain("addTags");
    expect(paths({ status: "Not A Key!" })).toContain("status");
    expect(paths({ assigneeId: "0x10" })).toContain("assigneeId");
    expect(paths({ name: "x".repeat(81), priority: "high" })).toContain("name");
    expect(paths({})).toContain(""); // nothing to do at all
    expect(paths({ addTags: "a", removeTags: "a" })).toContain("removeTags");

    // The domain checks what only the database knows.
    expect(await code(createMacro(handle, admin, macro({ name: "Unknown status", actions: { status: "no_such_status" } })))).toMatchObject({ field: "status" });
    await createTicketStatus(handle, { type: "agent", userId: admin.id }, { category: "pending", agentLabel: "Retired hostile", customerLabel: "Waiting" });
    await setTicketStatusActive(handle, { type: "agent", userId: admin.id }, "retired_hostile", false);
    expect(await code(createMacro(handle, admin, macro({ name: "Deactivated status", actions: { status: "retired_hostile" } })))).toMatchObject({
      field: "status",
      message: expect.stringContaining("deactivated"),
    });
    expect(await code(createMacro(handle, admin, macro({ name: "Ghost", actions: { assigneeId: 9_999_999 } })))).toMatchObject({ field: "assigneeId" });
    // Callers other than the form meet the same rules on the text.
    expect(await code(createMacro(handle, admin, macro({ name: "Big", bodyKind: "reply", body: "x".repeat(20_001) })))).toMatchObject({ field: "body" });
    expect(await code(createMacro(handle, admin, macro({ name: "Unknown", bodyKind: "reply", body: "{{ticket.secret}}" })))).toMatchObject({ field: "body" });
    expect((await listMacros(handle, admin)).map((m) => m.name)).not.toEqual(
      expect.arrayContaining(["Unknown status", "Deactivated status", "Ghost", "Big", "Unknown"]),
    );
  });
});

describe("previewing and using a macro", () => {
  it("previews the filled-in text and the properties after the actions, saving nothing", async () => {
    const status = await createTicketStatus(
      handle,
      { type: "agent", userId: admin.id },
      { category: "pending", agentLabel: "Waiting on vendor", customerLabel: "In progress" },
    );
    const ticket = await newTicket(["billing", "waiting"], "<script>alert(1)</script> Grace");
    const refund = await createMacro(
      handle,
      admin,
      macro({
        name: "Vendor",
        shared: true,
        bodyKind: "note",
        body: "#{{ticket.number}} for {{customer.first_name}} by {{agent.first_name}} at {{workspace.name}}",
        actions: { status: status.key, priority: "high", assigneeId: ann.id, addTags: ["vendor"], removeTags: ["waiting"] },
      }),
    );
    const before = await snapshot([ticket.number]);
    const preview = await previewMacro(handle, refund.id, ticket.number, { ...ann });
    expect(preview).toEqual({
      macroId: refund.id,
      name: "Vendor",
      bodyKind: "note",
      body: `#${ticket.number} for <script>alert(1)</script> by Ann at Acme & Sons`,
      changes: { status: status.key, priority: "high", assigneeId: ann.id, tags: ["billing", "vendor"] },
      skipped: [],
    });
    expect(await snapshot([ticket.number])).toEqual(before);

    // A status deactivated since the macro was saved is left out of a preview, and said.
    await setTicketStatusActive(handle, { type: "agent", userId: admin.id }, status.key, false);
    const later = await previewMacro(handle, refund.id, ticket.number, { ...ann });
    expect(later.changes).not.toHaveProperty("status");
    expect(later.skipped).toEqual(["The status “Waiting on vendor” has been deactivated."]);
    await setTicketStatusActive(handle, { type: "agent", userId: admin.id }, status.key, true);
    expect(await code(previewMacro(handle, refund.id, 99_999, ann))).toMatchObject({ code: "not_found" });
  });

  it("counts uses and lists the most used first", async () => {
    const viewer = { id: (await createMember(platform, acme, { email: "cy@macros.test" })).id, role: "agent" as const, name: "Cy" };
    const a = await createMacro(handle, viewer, macro({ name: "Alpha", actions: { priority: "low" } }));
    const b = await createMacro(handle, viewer, macro({ name: "Beta", actions: { priority: "low" } }));
    const c = await createMacro(handle, viewer, macro({ name: "Gamma", actions: { priority: "low" } }));
    const own = async () => (await listMacros(handle, viewer)).filter((m) => !m.shared).map((m) => [m.name, m.usageCount]);
    expect(await own()).toEqual([
      ["Alpha", 0],
      ["Beta", 0],
      ["Gamma", 0],
    ]);
    await recordMacroUse(handle, viewer, c.id);
    await recordMacroUse(handle, viewer, c.id);
    await recordMacroUse(handle, viewer, b.id);
    expect(await own()).toEqual([
      ["Gamma", 2],
      ["Beta", 1],
      ["Alpha", 0],
    ]);
    // Equal counts: the most recently used first.
    await recordMacroUse(handle, viewer, a.id);
    expect((await own()).slice(1)).toEqual([
      ["Alpha", 1],
      ["Beta", 1],
    ]);
    const [row] = await handle.db.select({ lastUsedAt: handle.t.macros.lastUsedAt }).from(handle.t.macros).where(eq(handle.t.macros.id, a.id));
    expect(row!.lastUsedAt).toBeInstanceOf(Date);
  });
});

describe("applying a macro to many tickets", () => {
  it("applies its actions (not its text) to every selected ticket in one transaction, and counts one use", async () => {
    const [one, two] = [await newTicket(["waiting"]), await newTicket([])];
    const m = await createMacro(
      handle,
      admin,
      macro({
        name: "Escalate",
        shared: true,
        bodyKind: "reply",
        body: "Escalated.",
        actions: { priority: "urgent", assigneeId: bob.id, addTags: ["escalated"], removeTags: ["waiting"] },
      }),
    );
    const messagesBefore = (await snapshot([])).messages.length;
    expect(await applyMacroToTickets(handle, ann, m.id, [two.number, one.number, one.number])).toBe(2);
    expect((await ticketRows([one.number, two.number])).map(({ version: _, ...row }) => row)).toEqual([
      { number: one.number, status: "open", priority: "urgent", assigneeId: bob.id, tags: ["escalated"] },
      { number: two.number, status: "open", priority: "urgent", assigneeId: bob.id, tags: ["escalated"] },
    ]);
    expect((await snapshot([])).messages.length).toBe(messagesBefore);
    expect((await getMacro(handle, ann, m.id)).usageCount).toBe(1);
  });

  it("changes none of them when one change is refused: a deactivated status, a full tag list, a missing ticket", async () => {
    const status = await createTicketStatus(
      handle,
      { type: "agent", userId: admin.id },
      { category: "on_hold", agentLabel: "Parked", customerLabel: "On hold" },
    );
    const m = await createMacro(handle, admin, macro({ name: "Park", shared: true, actions: { status: status.key, priority: "low", addTags: ["parked"] } }));
    const full = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const [one, two, crowded] = [await newTicket(), await newTicket(), await newTicket(full)];
    await setTicketStatusActive(handle, { type: "agent", userId: admin.id }, status.key, false);
    const before = await snapshot([one.number, two.number, crowded.number]);
    expect(await code(applyMacroToTickets(handle, ann, m.id, [one.number, two.number]))).toMatchObject({
      field: "status",
      message: expect.stringContaining("deactivated"),
    });
    expect(await snapshot([one.number, two.number, crowded.number])).toEqual(before);

    await setTicketStatusActive(handle, { type: "agent", userId: admin.id }, status.key, true);
    const reactivated = await snapshot([one.number, two.number, crowded.number]);
    // The crowded ticket comes last in number order: the first two were changed inside the transaction, then rolled back.
    expect(await code(applyMacroToTickets(handle, ann, m.id, [one.number, two.number, crowded.number]))).toMatchObject({ code: "too_many_tags" });
    expect(await code(applyMacroToTickets(handle, ann, m.id, [one.number, 999_999]))).toMatchObject({ code: "not_found" });
    expect(await snapshot([one.number, two.number, crowded.number])).toEqual(reactivated);

    const textOnly = await createMacro(handle, admin, macro({ name: "Text only", shared: true, bodyKind: "reply", body: "Hi" }));
    expect(await code(applyMacroToTickets(handle, ann, textOnly.id, [one.number]))).toMatchObject({ code: "conflict" });
  });
});
