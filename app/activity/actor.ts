import type { TenantTables } from "../../db/tenant-tables";

/** Who caused a change: a team member, a customer (portal, email) or Conductor itself. */
export type Actor = { type: "agent"; userId: number } | { type: "customer"; customerId: number } | { type: "system" };

export const agentActor = (user: { id: number }): Actor => ({ type: "agent", userId: user.id });

/** The actor columns of an activity entry. */
export function actorColumns(actor: Actor): Pick<TenantTables["activityLogs"]["$inferInsert"], "actorType" | "actorUserId" | "actorCustomerId"> {
  if (actor.type === "agent") return { actorType: "agent", actorUserId: actor.userId, actorCustomerId: null };
  if (actor.type === "customer") return { actorType: "customer", actorUserId: null, actorCustomerId: actor.customerId };
  return { actorType: "system", actorUserId: null, actorCustomerId: null };
}
