import type { TenantHandle, TenantTransaction } from "./connection-router";

/**
 * A handle whose `transaction()` runs inside `tx`: the ticket commands open their own transaction,
 * and a caller that needs their writes to commit together with its own (the portal's idempotency
 * key and outbox email, an inbound email's routing) hands them this handle.
 */
export function joinTransaction(handle: TenantHandle, tx: TenantTransaction): TenantHandle {
  return { ...handle, transaction: (work) => work(tx) };
}
