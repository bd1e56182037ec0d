import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables } from "../../db/tenant-tables";
import { recordActivity } from "../activity/activity-log.server";
import { queueWebhookEvent } from "../webhooks/webhook-outbox.server";
import { customerEventData } from "../webhooks/webhook-payloads.server";
import { actorColumns, type Actor } from "../activity/actor";
import { AppError, fieldError, notFound } from "../app-error";
import { isUniqueViolation } from "../db-errors.server";
import { decodeCursor, encodeCursor, type Page } from "../pagination.server";
import type { CustomerInput } from "./customer-schemas";

export type CustomerSummary = {
  id: number;
  name: string;
  email: string;
  company: string | null;
  phone: string | null;
  unsolvedTickets: number;
  createdAt: Date;
  updatedAt: Date;
};

const emailTaken = () => fieldError("email", "A customer with this email already exists in this workspace.", "email_taken");

function summaryColumns(t: TenantTables) {
  return {
    id: t.customers.id,
    name: t.customers.name,
    email: t.customers.email,
    company: t.customers.company,
    phone: t.customers.phone,
    // Qualified by hand: in a single-table select drizzle prints bare column names, and a bare
    // "id" inside this subquery would mean the ticket's id.
    unsolvedTickets: sql<number>`(select count(*)::int from ${t.tickets} where ${t.tickets}.customer_id = ${t.customers}.id and ${t.tickets}.status in ('new', 'open', 'pending', 'on_hold'))`,
    createdAt: t.customers.createdAt,
    updatedAt: t.customers.updatedAt,
  };
}

/**
 * Customers by name, or matching a search: a substring of name, email or company, or a close
 * (misspelt) word by pg_trgm word similarity, best match first. Both use the trigram index.
 */
export async function listCustomers({ db, t }: TenantHandle, options: { q?: string; cursor?: string; limit?: number }): Promise<Page<CustomerSummary>> {
  const limit = options.limit ?? 50;
  if (options.q) {
    const q = options.q.toLowerCase();
    const score = sql`word_similarity(${q}, ${t.customers.searchText})`;
    const after = decodeCursor(options.cursor, 2);
    const rows = await db
      .select({ ...summaryColumns(t), key: sql<string>`${score}::text` })
      .from(t.customers)
      .where(
        and(
          sql`(${t.customers.searchText} like ${`%${escapeLike(q)}%`} or ${q} <% ${t.customers.searchText})`,
          after ? sql`(${score}, ${t.customers.id}) < (${after[0]}::real, ${after[1]}::bigint)` : undefined,
        ),
      )
      .orderBy(sql`${score} desc`, desc(t.customers.id))
      .limit(limit + 1);
    return page(rows, limit, (row) => [row.key, row.id]);
  }
  const after = decodeCursor(options.cursor, 2);
  const rows = await db
    .select({ ...summaryColumns(t), key: sql<string>`lower(${t.customers.name})` })
    .from(t.customers)
    .where(after ? sql`(lower(${t.customers.name}), ${t.customers.id}) > (${after[0]}, ${after[1]}::bigint)` : undefined)
    .orderBy(sql`lower(${t.customers.name})`, t.customers.id)
    .limit(limit + 1);
  return page(rows, limit, (row) => [row.key, row.id]);
}

function page<T extends { key: string }>(rows: T[], limit: number, keys: (row: T) => Array<string | number>): Page<Omit<T, "key">> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(({ key: _key, ...item }) => item), nextCursor: rows.length > limit && last ? encodeCursor(keys(last)) : null };
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** The customer, or null when this workspace has none with that id; any other failure throws. */
export async function findCustomer({ db, t }: TenantHandle, id: number): Promise<CustomerSummary | null> {
  const [customer] = await db.select(summaryColumns(t)).from(t.customers).where(eq(t.customers.id, id));
  return customer ?? null;
}

export async function getCustomer(handle: TenantHandle, id: number): Promise<CustomerSummary> {
  const customer = await findCustomer(handle, id);
  if (!customer) throw notFound("That customer");
  return customer;
}

export async function createCustomer(handle: TenantHandle, actor: Actor, input: CustomerInput): Promise<CustomerSummary> {
  const { t } = handle;
  const id = await handle.transaction(async (tx) => {
    const [row] = await tx
      .insert(t.customers)
      .values({ name: input.name, email: input.email, company: input.company ?? null, phone: input.phone ?? null })
      .onConflictDoNothing()
      .returning({ id: t.customers.id });
    if (!row) throw emailTaken();
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "customer.created",
      entityType: "customer",
      entityId: row.id,
      changes: { name: { from: null, to: input.name }, email: { from: null, to: input.email } },
    });
    await queueWebhookEvent({ tx, handle }, "customer.created", () => customerEventData(tx, t, row.id));
    return row.id;
  });
  return getCustomer(handle, id);
}

/** Saves the fields that changed and records them; an email taken by another customer is a field error. */
export async function updateCustomer(handle: TenantHandle, actor: Actor, id: number, input: Partial<CustomerInput>): Promise<CustomerSummary> {
  const { t } = handle;
  await handle.transaction(async (tx) => {
    const [current] = await tx
      .select({ name: t.customers.name, email: t.customers.email, company: t.customers.company, phone: t.customers.phone })
      .from(t.customers)
      .where(eq(t.customers.id, id))
      .for("update");
    if (!current) throw notFound("That customer");
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const field of ["name", "email", "company", "phone"] as const) {
      const next = input[field];
      if (next === undefined || next === current[field]) continue;
      changes[field] = { from: current[field], to: next };
    }
    if (Object.keys(changes).length === 0) return;
    if (changes.email && (input.email ?? "").toLowerCase() !== current.email.toLowerCase()) {
      const [taken] = await tx
        .select({ id: t.customers.id })
        .from(t.customers)
        .where(sql`lower(${t.customers.email}) = ${input.email!.toLowerCase()}`);
      if (taken) throw emailTaken();
    }
    const values = Object.fromEntries(Object.entries(changes).map(([field, change]) => [field, change.to]));
    try {
      await tx
        .update(t.customers)
        .set({ ...values, updatedAt: sql`now()` })
        .where(eq(t.customers.id, id));
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
    if (changes.email) {
      // The portal trusted the old address: whoever held it must not keep reading this customer's tickets.
      await tx.delete(t.customerSessions).where(eq(t.customerSessions.customerId, id));
      await tx
        .update(t.customerLoginCodes)
        .set({ expiresAt: sql`now()` })
        .where(and(eq(t.customerLoginCodes.customerId, id), isNull(t.customerLoginCodes.usedAt)));
    }
    await recordActivity(tx, t, { ...actorColumns(actor), action: "customer.updated", entityType: "customer", entityId: id, changes });
  });
  return getCustomer(handle, id);
}

/** The customer with this email (matched case-insensitively), created when new: one request, one customer. */
export async function findOrCreateCustomer(
  tx: TenantTransaction,
  handle: Pick<TenantHandle, "t" | "tenant">,
  actor: Actor,
  input: { name: string; email: string },
): Promise<{ id: number; created: boolean }> {
  const { t } = handle;
  const [inserted] = await tx.insert(t.customers).values({ name: input.name, email: input.email }).onConflictDoNothing().returning({ id: t.customers.id });
  if (inserted) {
    await recordActivity(tx, t, {
      ...actorColumns(actor),
      action: "customer.created",
      entityType: "customer",
      entityId: inserted.id,
      changes: { name: { from: null, to: input.name }, email: { from: null, to: input.email } },
    });
    await queueWebhookEvent({ tx, handle }, "customer.created", () => customerEventData(tx, t, inserted.id));
    return { id: inserted.id, created: true };
  }
  const [existing] = await tx
    .select({ id: t.customers.id })
    .from(t.customers)
    .where(sql`lower(${t.customers.email}) = ${input.email.toLowerCase()}`);
  if (!existing) throw new AppError("conflict", "That customer changed while the request was saved. Try again.");
  return { id: existing.id, created: false };
}

export async function customerExists(tx: TenantTransaction, t: TenantTables, id: number): Promise<boolean> {
  const [row] = await tx.select({ id: t.customers.id }).from(t.customers).where(eq(t.customers.id, id));
  return Boolean(row);
}
