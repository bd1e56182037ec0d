import { asc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import type { TenantTables } from "../../db/tenant-tables";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import { recordActivity } from "../activity/activity-log.server";
import { actorColumns, type Actor } from "../activity/actor";
import { AppError, fieldError, notFound } from "../app-error";
import { isUniqueViolation } from "../db-errors.server";
import {
  MAX_TRIGGERS,
  readActions,
  readConditions,
  triggerInputSchema,
  TRIGGER_EVENTS,
  type TriggerAction,
  type TriggerCondition,
  type TriggerEvent,
  type TriggerInput,
} from "./trigger-schema";

/**
 * The workspace's triggers (`/settings/triggers`, admins): ordered rules that run inside the
 * transaction of the ticket change that fires them (run-triggers.server.ts). Every id a trigger
 * names (a status, a member, a webhook) is checked against this workspace when it is saved.
 */

export type TriggerRecord = TriggerInput & {
  id: number;
  position: number;
  /** Stored rows that no longer parse (never the case for rows saved through this module). */
  invalidRows: number;
  createdAt: Date;
  updatedAt: Date;
};

function columns(t: TenantTables) {
  const r = t.triggers;
  return {
    id: r.id,
    name: r.name,
    position: r.position,
    active: r.active,
    events: r.events,
    match: r.match,
    conditions: r.conditions,
    actions: r.actions,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
type Row = Pick<TenantTables["triggers"]["$inferSelect"], keyof ReturnType<typeof columns>>;

function toRecord(row: Row): TriggerRecord {
  const conditions = readConditions(row.conditions);
  const actions = readActions(row.actions);
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    active: row.active,
    events: row.events.filter((event): event is TriggerEvent => (TRIGGER_EVENTS as readonly string[]).includes(event)),
    match: row.match,
    conditions: conditions.filter((condition): condition is TriggerCondition => condition !== null),
    actions: actions.filter((action): action is TriggerAction => action !== null),
    invalidRows: conditions.filter((c) => c === null).length + actions.filter((a) => a === null).length,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Every trigger, in the order they run. */
export async function listTriggers({ db, t }: Pick<TenantHandle, "db" | "t">): Promise<TriggerRecord[]> {
  const rows = await db.select(columns(t)).from(t.triggers).orderBy(asc(t.triggers.position), asc(t.triggers.id));
  return rows.map(toRecord);
}

export async function getTrigger({ db, t }: Pick<TenantHandle, "db" | "t">, id: number): Promise<TriggerRecord> {
  const [row] = await db.select(columns(t)).from(t.triggers).where(eq(t.triggers.id, id));
  if (!row) throw notFound("That trigger");
  return toRecord(row);
}

export async function createTrigger(handle: TenantHandle, actor: Actor, input: TriggerInput): Promise<TriggerRecord> {
  const { t } = handle;
  const valid = validInput(input);
  return writeTrigger(valid.name, () =>
    handle.transaction(async (tx) => {
      // Serialises creations, so positions stay distinct and the count holds.
      await tx.execute(sql`lock table ${t.triggers} in share row exclusive mode`);
      const [{ count, last } = { count: 0, last: 0 }] = await tx
        .select({ count: sql<number>`count(*)::int`, last: sql<number>`coalesce(max(${t.triggers.position}), 0)::int` })
        .from(t.triggers);
      if (count >= MAX_TRIGGERS) throw new AppError("conflict", `A workspace can have at most ${MAX_TRIGGERS} triggers. Delete one you no longer use.`);
      await assertReferences(tx, t, valid);
      const [row] = await tx
        .insert(t.triggers)
        .values({ ...valid, position: last + 1 })
        .returning(columns(t));
      await recordActivity(tx, t, {
        ...actorColumns(actor),
        action: "trigger.created",
        entityType: "trigger",
        entityId: row!.id,
        changes: { name: { from: null, to: valid.name } },
      });
      return toRecord(row!);
    }),
  );
}

export async function updateTrigger(handle: TenantHandle, actor: Actor, id: number, input: TriggerInput): Promise<TriggerRecord> {
  const { t } = handle;
  const valid = validInput(input);
  return writeTrigger(valid.name, () =>
    handle.transaction(async (tx) => {
      const current = await lockTrigger(tx, t, id);
      await assertReferences(tx, t, valid);
      const [row] = await tx
        .update(t.triggers)
        .set({ ...valid, updatedAt: sql`now()` })
        .where(eq(t.triggers.id, id))
        .returning(columns(t));
      await recordActivity(tx, t, {
        ...actorColumns(actor),
        action: "trigger.updated",
        entityType: "trigger",
        entityId: id,
        changes: { trigger: { from: summary(current), to: summary(row!) } },
      });
      return toRecord(row!);
    }),
  );
}

export async function setTriggerActive(handle: TenantHandle, actor: Actor, id: number, active: boolean): Promise<TriggerRecord> {
  const { t } = handle;
  return handle.transaction(async (tx) => {
    const current = await lockTrigger(tx, t, id);
    if (current.active === active) return toRecord(current);
    const [row] = await tx
      .update(t.triggers)
      .set({ active, updatedAt: sql`now()` })
      .where(eq(t.triggers.id, id))
      .returning(columns(t));
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: active ? "trigger.activated" : "trigger.deactivated",
      entityType: "trigger",
      entityId: id,
      changes: { active: { from: current.active, to: active } },
    });
    return toRecord(row!);
  });
}

/** Swaps the trigger with its neighbour above or below; at either end, nothing changes. */
export async function moveTrigger(handle: TenantHandle, actor: Actor, id: number, direction: "up" | "down"): Promise<void> {
  const { t } = handle;
  await handle.transaction(async (tx) => {
    await tx.execute(sql`lock table ${t.triggers} in share row exclusive mode`);
    const current = await lockTrigger(tx, t, id);
    const [neighbour] = await tx
      .select({ id: t.triggers.id, position: t.triggers.position })
      .from(t.triggers)
      .where(direction === "up" ? lt(t.triggers.position, current.position) : gt(t.triggers.position, current.position))
      .orderBy(direction === "up" ? sql`${t.triggers.position} desc` : asc(t.triggers.position))
      .limit(1);
    if (!neighbour) return;
    await tx.update(t.triggers).set({ position: neighbour.position }).where(eq(t.triggers.id, current.id));
    await tx.update(t.triggers).set({ position: current.position }).where(eq(t.triggers.id, neighbour.id));
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "trigger.moved",
      entityType: "trigger",
      entityId: id,
      changes: { position: { from: current.position, to: neighbour.position } },
    });
  });
}

export async function deleteTrigger(handle: TenantHandle, actor: Actor, id: number): Promise<{ name: string }> {
  const { t } = handle;
  return handle.transaction(async (tx) => {
    const current = await lockTrigger(tx, t, id);
    await tx.delete(t.triggers).where(eq(t.triggers.id, id));
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "trigger.deleted",
      entityType: "trigger",
      entityId: id,
      changes: { name: { from: current.name, to: null } },
    });
    return { name: current.name };
  });
}

const summary = (row: Row) => ({ name: row.name, active: row.active, events: row.events, match: row.match, conditions: row.conditions, actions: row.actions });

async function lockTrigger(tx: TenantTransaction, t: TenantTables, id: number): Promise<Row> {
  const [row] = await tx.select(columns(t)).from(t.triggers).where(eq(t.triggers.id, id)).for("update");
  if (!row) throw notFound("That trigger");
  return row;
}

/**
 * Every status, member and webhook the trigger names exists in this workspace (a status it sets and a
 * member it assigns are also active); the error names the row's field, as the form shows it.
 */
async function assertReferences(tx: TenantTransaction, t: TenantTables, input: TriggerInput): Promise<void> {
  const statusKeys = new Set<string>();
  const memberIds = new Set<number>();
  const webhookIds = new Set<number>();
  input.conditions.forEach((condition) => {
    if (condition.field === "status" && condition.value !== undefined) statusKeys.add(String(condition.value));
    if (condition.field === "assignee" && typeof condition.value === "number") memberIds.add(condition.value);
  });
  input.actions.forEach((action) => {
    if (action.type === "set_status") statusKeys.add(action.status);
    if (action.type === "assign" && action.assigneeId !== null) memberIds.add(action.assigneeId);
    if (action.type === "call_webhook") webhookIds.add(action.webhookId);
  });
  // One after another: a transaction's queries share one connection.
  const statuses = statusKeys.size
    ? await tx
        .select({ key: t.ticketStatuses.key, active: t.ticketStatuses.active })
        .from(t.ticketStatuses)
        .where(inArray(t.ticketStatuses.key, [...statusKeys]))
    : [];
  const members = memberIds.size
    ? await tx
        .select({ id: t.users.id, active: t.users.active })
        .from(t.users)
        .where(inArray(t.users.id, [...memberIds]))
    : [];
  const webhooks = webhookIds.size
    ? await tx
        .select({ id: t.webhooks.id })
        .from(t.webhooks)
        .where(inArray(t.webhooks.id, [...webhookIds]))
    : [];
  const status = new Map(statuses.map((row) => [row.key, row.active]));
  const member = new Map(members.map((row) => [row.id, row.active]));
  const webhook = new Set(webhooks.map((row) => row.id));
  input.conditions.forEach((condition, index) => {
    const field = `conditions[${index}].value`;
    if (condition.field === "status" && !status.has(String(condition.value))) throw fieldError(field, "Choose one of this workspace's statuses.");
    if (condition.field === "assignee" && typeof condition.value === "number" && !member.has(condition.value))
      throw fieldError(field, "Choose a member of this workspace.");
  });
  input.actions.forEach((action, index) => {
    const field = `actions[${index}].value`;
    if (action.type === "set_status" && status.get(action.status) !== true) throw fieldError(field, "Choose one of this workspace's active statuses.");
    if (action.type === "assign" && action.assigneeId !== null && member.get(action.assigneeId) !== true)
      throw fieldError(field, "Choose an active member of this workspace, or nobody.");
    if (action.type === "call_webhook" && !webhook.has(action.webhookId)) throw fieldError(field, "Choose one of this workspace's webhooks.");
  });
}

/** The domain's own check of what the form checks, for callers other than the form; the error names the field as the form does. */
function validInput(input: TriggerInput): TriggerInput {
  const parsed = triggerInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.reduce<string>(
    (name, part) => (typeof part === "number" ? `${name}[${part}]` : name ? `${name}.${String(part)}` : String(part)),
    "",
  );
  throw fieldError(field || "name", issue.message);
}

async function writeTrigger<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw fieldError("name", `A trigger named “${name}” already exists. Choose another name.`);
    throw error;
  }
}
