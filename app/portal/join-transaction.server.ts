import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";

/**
 * A handle whose `transaction()` runs inside `tx`: the ticket commands open their own transaction,
 * and the portal needs their writes to commit together with its own (idempotency key, outbox email).
 */
export function joinTransaction(handle: TenantHandle, tx: TenantTransaction): TenantHandle {
  return { ...handle, transaction: (work) => work(tx) };
}
