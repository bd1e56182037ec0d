import { and, asc, desc, eq, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import type { TenantTables, UserRole } from "../../db/tenant-tables";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { joinTransaction } from "../../tenancy/join-transaction";
import { recordActivity } from "../activity/activity-log.server";
import { agentActor, actorColumns } from "../activity/actor";
import { AppError, fieldError, notFound } from "../app-error";
import { isUniqueViolation } from "../db-errors.server";
import { agentStatusLabel } from "../ticket-statuses/ticket-status-catalog";
import { listTicketStatuses, resolveStatusForChange } from "../ticket-statuses/ticket-statuses.server";
import { forgetTicketCounters } from "../tickets/ticket-counters.server";
import { updateTicket, type TicketChanges } from "../tickets/ticket-commands.server";
import { getTicket } from "../tickets/ticket-detail.server";
import { PRIORITY_LABELS } from "../tickets/ticket-labels";
import { firstName, renderPlaceholders, unknownPlaceholderMessage, unknownPlaceholders } from "./macro-placeholders";
import { MAX_MACRO_BODY_LENGTH, MAX_MACRO_NAME_LENGTH, readMacroActions, type MacroActions, type MacroInput } from "./macro-schema";

/**
 * Macros: a name, an optional reply or note with placeholders, and changes to a ticket's properties.
 * Shared macros belong to the workspace (admins manage them); personal ones to their author alone.
 * Every query is scoped to what the viewer may see, so another member's personal macro is not found.
 */

export type MacroViewer = { id: number; role: UserRole };

export type MacroRecord = {
  id: number;
  name: string;
  shared: boolean;
  bodyKind: "reply" | "note" | null;
  body: string | null;
  actions: MacroActions;
  usageCount: number;
  lastUsedAt: Date | null;
  /** Whether the viewer may change or delete it. */
  editable: boolean;
};

export type MacroPreview = {
  macroId: number;
  name: string;
  body: string | null;
  bodyKind: "reply" | "note" | null;
  /** The ticket's properties after the macro (only those it changes), as the properties form takes them. */
  changes: TicketChanges;
  /** Actions left out because they cannot apply now (a deactivated status, a former member). */
  skipped: string[];
};

/** Shared macros, and the viewer's own. */
const visibleTo = (t: TenantTables, viewer: MacroViewer): SQL => or(isNull(t.macros.ownerUserId), eq(t.macros.ownerUserId, viewer.id))!;

const canEdit = (viewer: MacroViewer, ownerUserId: number | null) => (ownerUserId === null ? viewer.role === "admin" : ownerUserId === viewer.id);

function columns(t: TenantTables) {
  const m = t.macros;
  return {
    id: m.id,
    name: m.name,
    ownerUserId: m.ownerUserId,
    bodyKind: m.bodyKind,
    body: m.body,
    actions: m.actions,
    usageCount: m.usageCount,
    lastUsedAt: m.lastUsedAt,
  };
}
type Row = Pick<TenantTables["macros"]["$inferSelect"], keyof ReturnType<typeof columns>>;

function toRecord(row: Row, viewer: MacroViewer): MacroRecord {
  return {
    id: row.id,
    name: row.name,
    shared: row.ownerUserId === null,
    bodyKind: row.bodyKind,
    body: row.body,
    actions: readMacroActions(row.actions),
    usageCount: row.usageCount,
    lastUsedAt: row.lastUsedAt,
    editable: canEdit(viewer, row.ownerUserId),
  };
}

/** What the viewer may use: shared and own macros, most used first (then most recently used, then by name). */
export async function listMacros({ db, t }: Pick<TenantHandle, "db" | "t">, viewer: MacroViewer): Promise<MacroRecord[]> {
  const rows = await db
    .select(columns(t))
    .from(t.macros)
    .where(visibleTo(t, viewer))
    .orderBy(desc(t.macros.usageCount), sql`${t.macros.lastUsedAt} desc nulls last`, asc(sql`lower(${t.macros.name})`), asc(t.macros.id));
  return rows.map((row) => toRecord(row, viewer));
}

/** One macro the viewer may see; another member's personal macro (or another workspace's id) is not found. */
export async function getMacro({ db, t }: Pick<TenantHandle, "db" | "t">, viewer: MacroViewer, id: number): Promise<MacroRecord> {
  const [row] = await db
    .select(columns(t))
    .from(t.macros)
    .where(and(eq(t.macros.id, id), visibleTo(t, viewer)));
  if (!row) throw notFound("That macro");
  return toRecord(row, viewer);
}

export async function createMacro(handle: TenantHandle, viewer: MacroViewer, input: MacroInput): Promise<MacroRecord> {
  const { t } = handle;
  assertInput(input);
  if (input.shared && viewer.role !== "admin") throw sharedForbidden();
  return writeMacro(input.name, () =>
    handle.transaction(async (tx) => {
      await assertActionsApply(tx, t, input.actions);
      const [row] = await tx
        .insert(t.macros)
        .values({ name: input.name, ownerUserId: input.shared ? null : viewer.id, bodyKind: input.bodyKind, body: input.body, actions: input.actions })
        .returning(columns(t));
      await recordActivity(tx, t, {
        ...actorColumns(agentActor(viewer)),
        action: "macro.created",
        entityType: "macro",
        entityId: row!.id,
        changes: { name: { from: null, to: input.name }, shared: { from: null, to: input.shared } },
      });
      return toRecord(row!, viewer);
    }),
  );
}

/** Changes a macro's name, text and actions; whether it is shared stays as it was created. */
export async function updateMacro(handle: TenantHandle, viewer: MacroViewer, id: number, input: Omit<MacroInput, "shared">): Promise<MacroRecord> {
  const { t } = handle;
  assertInput(input);
  return writeMacro(input.name, () =>
    handle.transaction(async (tx) => {
      const current = await lockEditable(tx, t, viewer, id);
      await assertActionsApply(tx, t, input.actions);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (current.name !== input.name) changes.name = { from: current.name, to: input.name };
      if (current.bodyKind !== input.bodyKind) changes.bodyKind = { from: current.bodyKind, to: input.bodyKind };
      if (current.body !== input.body) changes.body = { from: current.body === null ? null : "(text)", to: input.body === null ? null : "(text)" };
      if (JSON.stringify(readMacroActions(current.actions)) !== JSON.stringify(input.actions)) changes.actions = { from: current.actions, to: input.actions };
      if (Object.keys(changes).length === 0) return toRecord(current, viewer);
      const [row] = await tx
        .update(t.macros)
        .set({ name: input.name, bodyKind: input.bodyKind, body: input.body, actions: input.actions, updatedAt: sql`now()` })
        .where(eq(t.macros.id, id))
        .returning(columns(t));
      await recordActivity(tx, t, { ...actorColumns(agentActor(viewer)), action: "macro.updated", entityType: "macro", entityId: id, changes });
      return toRecord(row!, viewer);
    }),
  );
}

export async function deleteMacro(handle: TenantHandle, viewer: MacroViewer, id: number): Promise<{ name: string }> {
  const { t } = handle;
  return handle.transaction(async (tx) => {
    const current = await lockEditable(tx, t, viewer, id);
    await tx.delete(t.macros).where(eq(t.macros.id, id));
    await recordActivity(tx, t, {
      ...actorColumns(agentActor(viewer)),
      action: "macro.deleted",
      entityType: "macro",
      entityId: id,
      changes: { name: { from: current.name, to: null } },
    });
    return { name: current.name };
  });
}

/**
 * What applying the macro to the ticket would do, computed and not saved: the text with its
 * placeholders filled in, and the ticket's properties after its actions.
 */
export async function previewMacro(handle: TenantHandle, macroId: number, ticketNumber: number, viewer: MacroViewer & { name: string }): Promise<MacroPreview> {
  const macro = await getMacro(handle, viewer, macroId);
  const [ticket, statuses] = await Promise.all([getTicket(handle, ticketNumber), listTicketStatuses(handle)]);
  const { changes, skipped } = await changesFor(handle, macro.actions, ticket);
  const body =
    macro.body === null
      ? null
      : renderPlaceholders(macro.body, {
          "ticket.number": String(ticket.number),
          "ticket.subject": ticket.subject,
          "ticket.status": agentStatusLabel(statuses, ticket.status),
          "ticket.priority": PRIORITY_LABELS[ticket.priority],
          "customer.name": ticket.customer.name,
          "customer.first_name": firstName(ticket.customer.name),
          "customer.email": ticket.customer.email,
          "agent.name": viewer.name,
          "agent.first_name": firstName(viewer.name),
          "workspace.name": handle.tenant.name,
        });
  return { macroId: macro.id, name: macro.name, body, bodyKind: macro.bodyKind, changes, skipped };
}

/** Counts one use of the macro (the agent sent or saved with it applied). */
export async function recordMacroUse({ db, t }: Pick<TenantHandle, "db" | "t">, viewer: MacroViewer, macroId: number): Promise<void> {
  const updated = await db
    .update(t.macros)
    .set({ usageCount: sql`${t.macros.usageCount} + 1`, lastUsedAt: sql`now()` })
    .where(and(eq(t.macros.id, macroId), visibleTo(t, viewer)))
    .returning({ id: t.macros.id });
  if (updated.length === 0) throw notFound("That macro");
}

/**
 * Applies the macro's actions (never its text) to the tickets in one transaction: all of them or
 * none (a deactivated status, a former member or a full tag list refuses the lot). Counts one use.
 */
export async function applyMacroToTickets(handle: TenantHandle, viewer: MacroViewer, macroId: number, numbers: number[]): Promise<number> {
  const { t } = handle;
  const macro = await getMacro(handle, viewer, macroId);
  if (Object.keys(macro.actions).length === 0) throw new AppError("conflict", `“${macro.name}” only writes text: it has no changes to apply to tickets.`);
  const unique = [...new Set(numbers)].sort((a, b) => a - b);
  const actor = agentActor(viewer);
  try {
    return await handle.transaction(async (tx) => {
      const found = await tx
        .select({ number: t.tickets.number, tags: t.tickets.tags })
        .from(t.tickets)
        .where(inArray(t.tickets.number, unique))
        .orderBy(t.tickets.number)
        .for("update");
      if (found.length !== unique.length) throw notFound("One of the selected tickets");
      // updateTicket's own transaction becomes this one, so every ticket's change commits together.
      const inThisTransaction = joinTransaction(handle, tx);
      for (const ticket of found) {
        await updateTicket(inThisTransaction, actor, ticket.number, ticketChanges(macro.actions, ticket.tags));
      }
      await tx
        .update(t.macros)
        .set({ usageCount: sql`${t.macros.usageCount} + 1`, lastUsedAt: sql`now()` })
        .where(eq(t.macros.id, macro.id));
      return found.length;
    });
  } finally {
    forgetTicketCounters(handle.tenant.schemaName);
  }
}

/** The ticket's changes from the actions; tags are removed, then added, keeping the ticket's order. */
function ticketChanges(actions: MacroActions, currentTags: string[]): TicketChanges {
  const changes: TicketChanges = {};
  if (actions.status !== undefined) changes.status = actions.status;
  if (actions.priority !== undefined) changes.priority = actions.priority;
  if (actions.assigneeId !== undefined) changes.assigneeId = actions.assigneeId;
  if (actions.addTags?.length || actions.removeTags?.length) {
    const kept = currentTags.filter((tag) => !actions.removeTags?.includes(tag));
    changes.tags = [...kept, ...(actions.addTags ?? []).filter((tag) => !kept.includes(tag))];
  }
  return changes;
}

/** For a preview: what can apply now; a deactivated status or a former member is skipped and said. */
async function changesFor(handle: TenantHandle, actions: MacroActions, ticket: { tags: string[] }): Promise<{ changes: TicketChanges; skipped: string[] }> {
  const { db, t } = handle;
  const changes = ticketChanges(actions, ticket.tags);
  const skipped: string[] = [];
  if (changes.status !== undefined) {
    const statuses = await listTicketStatuses(handle);
    const status = statuses.find((row) => row.key === changes.status);
    if (!status?.active) {
      skipped.push(status ? `The status “${status.agentLabel}” has been deactivated.` : "Its status no longer exists.");
      delete changes.status;
    }
  }
  if (changes.assigneeId != null) {
    const [member] = await db
      .select({ id: t.users.id })
      .from(t.users)
      .where(and(eq(t.users.id, changes.assigneeId), eq(t.users.active, true)));
    if (!member) {
      skipped.push("Its assignee is no longer an active member.");
      delete changes.assigneeId;
    }
  }
  return { changes, skipped };
}

/** The domain's own check of what the form schema checks, for callers other than the form. */
function assertInput(input: Omit<MacroInput, "shared">): void {
  if (!input.name.trim() || input.name.length > MAX_MACRO_NAME_LENGTH) throw fieldError("name", `Enter a name of at most ${MAX_MACRO_NAME_LENGTH} characters.`);
  if ((input.body === null) !== (input.bodyKind === null)) throw fieldError("body", "Text needs a kind (reply or note), and a kind needs text.");
  if (input.body !== null) {
    if (input.body.length > MAX_MACRO_BODY_LENGTH) throw fieldError("body", `The text has at most ${MAX_MACRO_BODY_LENGTH.toLocaleString("en")} characters.`);
    const unknown = unknownPlaceholders(input.body);
    if (unknown.length > 0) throw fieldError("body", unknownPlaceholderMessage(unknown));
  }
}

/** A status must exist and be active, an assignee be an active member, when the macro is saved. */
async function assertActionsApply(tx: TenantTransaction, t: TenantTables, actions: MacroActions): Promise<void> {
  if (actions.status !== undefined) await resolveStatusForChange(tx, t, actions.status, "status");
  if (actions.assigneeId != null) {
    const [member] = await tx
      .select({ id: t.users.id })
      .from(t.users)
      .where(and(eq(t.users.id, actions.assigneeId), eq(t.users.active, true)));
    if (!member) throw fieldError("assigneeId", "Choose an active member of this workspace as assignee.");
  }
}

async function lockEditable(tx: TenantTransaction, t: TenantTables, viewer: MacroViewer, id: number): Promise<Row> {
  const [row] = await tx
    .select(columns(t))
    .from(t.macros)
    .where(and(eq(t.macros.id, id), visibleTo(t, viewer)))
    .for("update");
  if (!row) throw notFound("That macro");
  if (!canEdit(viewer, row.ownerUserId)) throw sharedForbidden();
  return row;
}

const sharedForbidden = () => new AppError("forbidden", "Only admins can change the workspace's shared macros. You can make a personal copy.");

async function writeMacro<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw fieldError("name", `A macro named “${name}” already exists. Choose another name.`);
    throw error;
  }
}
