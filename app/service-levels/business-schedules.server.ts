import { asc, desc, eq, sql } from "drizzle-orm";
import type * as z from "zod";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables } from "../../db/tenant-tables";
import { recordActivity } from "../activity/activity-log.server";
import { actorColumns, type Actor } from "../activity/actor";
import { AppError, fieldError, notFound } from "../app-error";
import type { businessHoursSchema } from "./business-hours-schema";
import type { BusinessPeriod, Holiday } from "./business-time";

/**
 * The workspace's business-hours schedules (`/settings/business-hours`). One of them is the default
 * whenever any exist: the first one created becomes it, and the default cannot be deleted while other
 * schedules remain (make another the default first), so choosing which schedule SLA targets fall back
 * on is always an admin's explicit act, never a side effect of a deletion.
 */

export type BusinessHoursInput = z.output<typeof businessHoursSchema>;

export type BusinessScheduleRecord = {
  id: number;
  name: string;
  timeZone: string;
  periods: BusinessPeriod[];
  holidays: Holiday[];
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
};

type Changes = Record<string, { from: unknown; to: unknown }>;

const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";
const NAME_KEY = "business_schedules_name_key";
const SLA_POLICY_SCHEDULE_FK = "sla_policies_schedule_id_business_schedules_id_fk";

const scheduleNotFound = () => notFound("That schedule");
const nameTaken = (name: string) => fieldError("name", `A schedule named “${name}” already exists. Choose another name.`);

function columns(t: TenantTables) {
  const s = t.businessSchedules;
  return {
    id: s.id,
    name: s.name,
    timeZone: s.timeZone,
    periods: s.periods,
    holidays: s.holidays,
    isDefault: s.isDefault,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

function toRecord(
  row: { periods: Array<{ weekday: number; start: string; end: string }>; holidays: Holiday[] } & Omit<BusinessScheduleRecord, "periods" | "holidays">,
) {
  // The rows were validated by businessHoursSchema on their way in, weekday 1–7 included.
  return { ...row, periods: row.periods as BusinessPeriod[] };
}

/** Every schedule, the default first, then by name. */
export async function listBusinessSchedules({ db, t }: Pick<TenantHandle, "db" | "t">): Promise<BusinessScheduleRecord[]> {
  const rows = await db
    .select(columns(t))
    .from(t.businessSchedules)
    .orderBy(desc(t.businessSchedules.isDefault), asc(sql`lower(${t.businessSchedules.name})`), asc(t.businessSchedules.id));
  return rows.map(toRecord);
}

export async function getBusinessSchedule({ db, t }: Pick<TenantHandle, "db" | "t">, id: number): Promise<BusinessScheduleRecord> {
  const [row] = await db.select(columns(t)).from(t.businessSchedules).where(eq(t.businessSchedules.id, id));
  if (!row) throw scheduleNotFound();
  return toRecord(row);
}

/** Creates a schedule; the workspace's first one becomes the default. A name in use (in any case) is a field error on `name`. */
export async function createBusinessSchedule(handle: TenantHandle, actor: Actor, input: BusinessHoursInput): Promise<BusinessScheduleRecord> {
  const { t } = handle;
  const values = storedValues(input);
  const id = await writeSchedule(handle, input.name, async (tx) => {
    await assertNameFree(tx, t, input.name, null);
    const [existing] = await tx.select({ id: t.businessSchedules.id }).from(t.businessSchedules).limit(1);
    const [row] = await tx
      .insert(t.businessSchedules)
      .values({ ...values, isDefault: !existing })
      .returning({ id: t.businessSchedules.id });
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "business_schedule.created",
      entityType: "business_schedule",
      entityId: row!.id,
      changes: { name: { from: null, to: values.name }, isDefault: { from: null, to: !existing } },
    });
    return row!.id;
  });
  return getBusinessSchedule(handle, id);
}

/** Saves what changed and records it; nothing changed writes nothing. */
export async function updateBusinessSchedule(handle: TenantHandle, actor: Actor, id: number, input: BusinessHoursInput): Promise<BusinessScheduleRecord> {
  const { t } = handle;
  const next = storedValues(input);
  await writeSchedule(handle, input.name, async (tx) => {
    const current = await lockSchedule(tx, t, id);
    const changes: Changes = {};
    for (const field of ["name", "timeZone", "periods", "holidays"] as const) {
      if (JSON.stringify(current[field]) !== JSON.stringify(next[field])) changes[field] = { from: current[field], to: next[field] };
    }
    if (Object.keys(changes).length === 0) return;
    if (changes.name) await assertNameFree(tx, t, next.name, id);
    await tx
      .update(t.businessSchedules)
      .set({ ...next, updatedAt: sql`now()` })
      .where(eq(t.businessSchedules.id, id));
    await recordActivity(tx, t, { ...actorColumns(actor), action: "business_schedule.updated", entityType: "business_schedule", entityId: id, changes });
  });
  return getBusinessSchedule(handle, id);
}

/** Makes the schedule the default, and the previous default an ordinary schedule. */
export async function makeDefaultBusinessSchedule(handle: TenantHandle, actor: Actor, id: number): Promise<BusinessScheduleRecord> {
  const { t } = handle;
  await handle.transaction(async (tx) => {
    await lockSchedules(tx, t);
    const target = await lockSchedule(tx, t, id);
    if (target.isDefault) return;
    const [previous] = await tx
      .update(t.businessSchedules)
      .set({ isDefault: false, updatedAt: sql`now()` })
      .where(eq(t.businessSchedules.isDefault, true))
      .returning({ id: t.businessSchedules.id, name: t.businessSchedules.name });
    await tx
      .update(t.businessSchedules)
      .set({ isDefault: true, updatedAt: sql`now()` })
      .where(eq(t.businessSchedules.id, id));
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "business_schedule.made_default",
      entityType: "business_schedule",
      entityId: id,
      changes: { default: { from: previous?.name ?? null, to: target.name } },
    });
  });
  return getBusinessSchedule(handle, id);
}

/**
 * Deletes a schedule. Refused (`conflict`) while an SLA policy measures in it, and for the default
 * while other schedules exist; the workspace's only schedule can go.
 */
export async function deleteBusinessSchedule(handle: TenantHandle, actor: Actor, id: number): Promise<{ name: string }> {
  const { t } = handle;
  try {
    return await handle.transaction(async (tx) => {
      await lockSchedules(tx, t);
      const target = await lockSchedule(tx, t, id);
      const policies = await tx
        .select({ name: t.slaPolicies.name })
        .from(t.slaPolicies)
        .where(eq(t.slaPolicies.scheduleId, id))
        .orderBy(asc(t.slaPolicies.position), asc(t.slaPolicies.id));
      if (policies.length > 0)
        throw scheduleInUse(
          target.name,
          policies.map((policy) => policy.name),
        );
      if (target.isDefault) {
        const [other] = await tx
          .select({ id: t.businessSchedules.id })
          .from(t.businessSchedules)
          .where(sql`${t.businessSchedules.id} <> ${id}`)
          .limit(1);
        if (other) throw new AppError("conflict", `“${target.name}” is the default schedule. Make another schedule the default first, then delete this one.`);
      }
      await tx.delete(t.businessSchedules).where(eq(t.businessSchedules.id, id));
      await recordActivity(tx, t, {
        ...actorColumns(actor),
        action: "business_schedule.deleted",
        entityType: "business_schedule",
        entityId: id,
        changes: { name: { from: target.name, to: null } },
      });
      return { name: target.name };
    });
  } catch (error) {
    // A policy that started using the schedule after the check above: the foreign key still refuses.
    if (isConstraintViolation(error, FOREIGN_KEY_VIOLATION, SLA_POLICY_SCHEDULE_FK)) throw scheduleInUse(null, []);
    throw error;
  }
}

function scheduleInUse(name: string | null, policies: string[]): AppError {
  const what = name ? `“${name}”` : "This schedule";
  const quoted = policies.map((policy) => `“${policy}”`).join(", ");
  const users =
    policies.length === 0 ? "an SLA policy uses it" : policies.length === 1 ? `the SLA policy ${quoted} uses it` : `the SLA policies ${quoted} use it`;
  return new AppError("conflict", `${what} cannot be deleted: ${users}. Choose another schedule there first.`);
}

function storedValues(input: BusinessHoursInput) {
  const periods = [...input.periods]
    .sort((a, b) => a.weekday - b.weekday || a.start.localeCompare(b.start))
    .map(({ weekday, start, end }) => ({ weekday, start, end }));
  const holidays = [...input.holidays].sort((a, b) => a.date.localeCompare(b.date)).map(({ date, name }) => ({ date, name }));
  return { name: input.name, timeZone: input.timeZone, periods, holidays };
}

/** Runs a create or update in one transaction that holds the schedules' write lock; a name another write took meanwhile is a field error. */
async function writeSchedule<T>(handle: TenantHandle, name: string, work: (tx: TenantTransaction) => Promise<T>): Promise<T> {
  try {
    return await handle.transaction(async (tx) => {
      await lockSchedules(tx, handle.t);
      return work(tx);
    });
  } catch (error) {
    if (isConstraintViolation(error, UNIQUE_VIOLATION, NAME_KEY)) throw nameTaken(name);
    throw error;
  }
}

/**
 * Serialises the writes to the workspace's schedules, so two "first" schedules created at once cannot
 * both become the default and two renames cannot both pass the name check. Reads and the foreign-key
 * checks of SLA policies (ROW SHARE) are not blocked.
 */
async function lockSchedules(tx: TenantTransaction, t: TenantTables): Promise<void> {
  await tx.execute(sql`lock table ${t.businessSchedules} in share row exclusive mode`);
}

async function lockSchedule(tx: TenantTransaction, t: TenantTables, id: number) {
  const [row] = await tx.select(columns(t)).from(t.businessSchedules).where(eq(t.businessSchedules.id, id)).for("update");
  if (!row) throw scheduleNotFound();
  return row;
}

async function assertNameFree(tx: TenantTransaction, t: TenantTables, name: string, exceptId: number | null): Promise<void> {
  const [taken] = await tx
    .select({ id: t.businessSchedules.id })
    .from(t.businessSchedules)
    .where(sql`lower(${t.businessSchedules.name}) = lower(${name})`);
  if (taken && taken.id !== exceptId) throw nameTaken(name);
}

/** A PostgreSQL error of this SQLSTATE on this constraint, also when drizzle wraps the driver's error in `cause`. */
function isConstraintViolation(error: unknown, sqlState: string, constraint: string): boolean {
  const outer = (error ?? {}) as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  return [outer, outer.cause].some((candidate) => candidate?.code === sqlState && candidate.constraint === constraint);
}
