import { and, asc, eq, gt, inArray, lt, desc, ne, sql } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TicketPriority } from "../../db/tenant-enums";
import { recordActivity } from "../activity/activity-log.server";
import { actorColumns, type Actor } from "../activity/actor";
import { fieldError, notFound } from "../app-error";
import { isUniqueViolation } from "../db-errors.server";
import type { SlaTargets } from "./sla-clock";
import { PAUSABLE_CATEGORIES, type SlaPolicyInput } from "./sla-policy-schema";
import type { SlaPolicyConditions } from "./sla-policy-match";

export type SlaPolicy = {
  id: number;
  name: string;
  position: number;
  active: boolean;
  conditions: SlaPolicyConditions;
  targets: Partial<Record<TicketPriority, SlaTargets>>;
  scheduleId: number | null;
  /** Null for calendar hours. */
  scheduleName: string | null;
  /** Status keys. */
  pausedStatuses: string[];
  warnBeforeMinutes: number;
};

export type ScheduleChoice = { id: number; name: string; isDefault: boolean };

export type MoveDirection = "up" | "down";

const notFoundPolicy = () => notFound("That SLA policy");
const nameTaken = () => fieldError("name", "Another policy already has this name.");
const unknownSchedule = () => fieldError("scheduleId", "Choose business hours from the list, or calendar hours.");

function policyColumns(t: TenantHandle["t"]) {
  const p = t.slaPolicies;
  return {
    id: p.id,
    name: p.name,
    position: p.position,
    active: p.active,
    conditions: p.conditions,
    targets: p.targets,
    scheduleId: p.scheduleId,
    scheduleName: t.businessSchedules.name,
    pausedStatuses: p.pausedStatuses,
    warnBeforeMinutes: p.warnBeforeMinutes,
  };
}

/** Every policy in the order they are tried. */
export async function listSlaPolicies({ db, t }: Pick<TenantHandle, "db" | "t">): Promise<SlaPolicy[]> {
  const rows = await db
    .select(policyColumns(t))
    .from(t.slaPolicies)
    .leftJoin(t.businessSchedules, eq(t.businessSchedules.id, t.slaPolicies.scheduleId))
    .orderBy(asc(t.slaPolicies.position), asc(t.slaPolicies.id));
  return rows;
}

export async function getSlaPolicy({ db, t }: Pick<TenantHandle, "db" | "t">, id: number): Promise<SlaPolicy> {
  const [row] = await db
    .select(policyColumns(t))
    .from(t.slaPolicies)
    .leftJoin(t.businessSchedules, eq(t.businessSchedules.id, t.slaPolicies.scheduleId))
    .where(eq(t.slaPolicies.id, id));
  if (!row) throw notFoundPolicy();
  return row;
}

/** The business schedules a policy can be measured in, the default first (a read of the table business-hours owns). */
export async function listScheduleChoices({ db, t }: Pick<TenantHandle, "db" | "t">): Promise<ScheduleChoice[]> {
  const s = t.businessSchedules;
  return db
    .select({ id: s.id, name: s.name, isDefault: s.isDefault })
    .from(s)
    .orderBy(desc(s.isDefault), asc(sql`lower(${s.name})`), asc(s.id));
}

/** Serialises the writes that renumber policies, so positions stay 1…n without gaps or ties. */
async function lockPolicyOrder(tx: TenantTransaction, handle: TenantHandle) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`sla_policies:${handle.tenant.schemaName}`}, 0))`);
}

async function assertNameFree(tx: TenantTransaction, t: TenantHandle["t"], name: string, exceptId?: number) {
  const sameName = sql`lower(${t.slaPolicies.name}) = lower(${name})`;
  const [taken] = await tx
    .select({ id: t.slaPolicies.id })
    .from(t.slaPolicies)
    .where(exceptId === undefined ? sameName : and(sameName, ne(t.slaPolicies.id, exceptId)));
  if (taken) throw nameTaken();
}

/** The schedule must exist in this workspace; the share lock keeps it from being deleted before commit. */
async function assertScheduleExists(tx: TenantTransaction, t: TenantHandle["t"], scheduleId: number | null) {
  if (scheduleId === null) return;
  const [schedule] = await tx.select({ id: t.businessSchedules.id }).from(t.businessSchedules).where(eq(t.businessSchedules.id, scheduleId)).for("share");
  if (!schedule) throw unknownSchedule();
}

/**
 * Each paused status must be one of the workspace's, in a category that can pause (not solved or
 * closed, which stop every clock). The share lock keeps a status from being deleted before commit.
 */
async function assertPausableStatuses(tx: TenantTransaction, t: TenantHandle["t"], keys: string[]) {
  if (keys.length === 0) return;
  const found = await tx
    .select({ key: t.ticketStatuses.key, category: t.ticketStatuses.category })
    .from(t.ticketStatuses)
    .where(inArray(t.ticketStatuses.key, keys))
    .for("share");
  const pausable = new Set(found.filter((status) => (PAUSABLE_CATEGORIES as readonly string[]).includes(status.category)).map((status) => status.key));
  const refused = keys.filter((key) => !pausable.has(key));
  if (refused.length > 0)
    throw fieldError("pausedStatuses", `Choose statuses from the list. ${refused.map((key) => `“${key}”`).join(", ")} cannot pause the clock.`);
}

function storedValues(input: SlaPolicyInput) {
  return {
    name: input.name,
    active: input.active,
    conditions: input.conditions,
    targets: input.targets,
    scheduleId: input.scheduleId,
    pausedStatuses: input.pausedStatuses,
    warnBeforeMinutes: input.warnBeforeMinutes,
  };
}

async function refusingDuplicateNames<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // Two admins saving the same name at once: the unique index decides.
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
}

/** Adds a policy after the existing ones; returns its id. */
export async function createSlaPolicy(handle: TenantHandle, actor: Actor, input: SlaPolicyInput): Promise<number> {
  const { t } = handle;
  return refusingDuplicateNames(() =>
    handle.transaction(async (tx) => {
      // Statuses before policies, as a status's deletion locks them (it edits the policies pausing on it).
      await assertPausableStatuses(tx, t, input.pausedStatuses);
      await lockPolicyOrder(tx, handle);
      await assertNameFree(tx, t, input.name);
      await assertScheduleExists(tx, t, input.scheduleId);
      const [last] = await tx.select({ position: sql<number>`coalesce(max(${t.slaPolicies.position}), 0)::int` }).from(t.slaPolicies);
      const values = { ...storedValues(input), position: (last?.position ?? 0) + 1 };
      const [created] = await tx.insert(t.slaPolicies).values(values).returning({ id: t.slaPolicies.id });
      const changes = Object.fromEntries(Object.entries(values).map(([key, to]) => [key, { from: null, to }]));
      await recordActivity(tx, t, { ...actorColumns(actor), action: "sla_policy.created", entityType: "sla_policy", entityId: created!.id, changes });
      return created!.id;
    }),
  );
}

export async function updateSlaPolicy(handle: TenantHandle, actor: Actor, id: number, input: SlaPolicyInput): Promise<void> {
  const { t } = handle;
  await refusingDuplicateNames(() =>
    handle.transaction(async (tx) => {
      // Statuses before the policy row, as a status's deletion locks them (it edits the policies pausing on it).
      await assertPausableStatuses(tx, t, input.pausedStatuses);
      const [before] = await tx.select().from(t.slaPolicies).where(eq(t.slaPolicies.id, id)).for("update");
      if (!before) throw notFoundPolicy();
      await assertNameFree(tx, t, input.name, id);
      await assertScheduleExists(tx, t, input.scheduleId);
      const next = storedValues(input);
      // Paused statuses are a set (policies from before were stored unsorted).
      const comparable = (key: keyof typeof next, value: unknown) => (key === "pausedStatuses" ? [...(value as string[])].sort() : value);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const key of Object.keys(next) as Array<keyof typeof next>) {
        if (JSON.stringify(comparable(key, before[key])) !== JSON.stringify(comparable(key, next[key]))) changes[key] = { from: before[key], to: next[key] };
      }
      if (Object.keys(changes).length === 0) return;
      await tx
        .update(t.slaPolicies)
        .set({ ...next, updatedAt: sql`now()` })
        .where(eq(t.slaPolicies.id, id));
      await recordActivity(tx, t, { ...actorColumns(actor), action: "sla_policy.updated", entityType: "sla_policy", entityId: id, changes });
    }),
  );
}

export async function deleteSlaPolicy(handle: TenantHandle, actor: Actor, id: number): Promise<void> {
  const { t } = handle;
  await handle.transaction(async (tx) => {
    await lockPolicyOrder(tx, handle);
    const [deleted] = await tx.delete(t.slaPolicies).where(eq(t.slaPolicies.id, id)).returning({ name: t.slaPolicies.name, position: t.slaPolicies.position });
    if (!deleted) throw notFoundPolicy();
    await tx
      .update(t.slaPolicies)
      .set({ position: sql`${t.slaPolicies.position} - 1` })
      .where(gt(t.slaPolicies.position, deleted.position));
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "sla_policy.deleted",
      entityType: "sla_policy",
      entityId: id,
      changes: { name: { from: deleted.name, to: null } },
    });
  });
}

/** Swaps a policy with its neighbour above or below; at either end it stays where it is. */
export async function moveSlaPolicy(handle: TenantHandle, actor: Actor, id: number, direction: MoveDirection): Promise<void> {
  const { t } = handle;
  const p = t.slaPolicies;
  await handle.transaction(async (tx) => {
    await lockPolicyOrder(tx, handle);
    const [policy] = await tx.select({ position: p.position }).from(p).where(eq(p.id, id));
    if (!policy) throw notFoundPolicy();
    const [neighbour] = await tx
      .select({ id: p.id, position: p.position })
      .from(p)
      .where(direction === "up" ? lt(p.position, policy.position) : gt(p.position, policy.position))
      .orderBy(direction === "up" ? desc(p.position) : asc(p.position))
      .limit(1);
    if (!neighbour) return;
    await tx
      .update(p)
      .set({ position: neighbour.position, updatedAt: sql`now()` })
      .where(eq(p.id, id));
    await tx
      .update(p)
      .set({ position: policy.position, updatedAt: sql`now()` })
      .where(eq(p.id, neighbour.id));
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "sla_policy.moved",
      entityType: "sla_policy",
      entityId: id,
      changes: { position: { from: policy.position, to: neighbour.position } },
    });
  });
}
