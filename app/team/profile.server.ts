import { eq, sql } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import { fieldError } from "../app-error";
import { recordActivity } from "../activity/activity-log.server";
import type { CurrentUser } from "../auth/current-user";
import { hashPassword, verifyPassword } from "../auth/password.server";
import { deleteUserSessions } from "../auth/sessions.server";

export async function renameUser(handle: TenantHandle, user: CurrentUser, name: string): Promise<void> {
  const { t } = handle;
  if (name === user.name) return;
  await handle.transaction(async (tx) => {
    await tx
      .update(t.users)
      .set({ name, updatedAt: sql`now()` })
      .where(eq(t.users.id, user.id));
    await recordActivity(tx, t, {
      actorType: "agent",
      actorUserId: user.id,
      action: "user.renamed",
      entityType: "user",
      entityId: user.id,
      changes: { name: { from: user.name, to: name } },
    });
  });
}

/** Needs the current password; every other session of the user is signed out. */
export async function changePassword(
  handle: TenantHandle,
  user: CurrentUser,
  currentSessionId: string | null,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const { db, t } = handle;
  const [row] = await db.select({ passwordHash: t.users.passwordHash }).from(t.users).where(eq(t.users.id, user.id));
  if (!row?.passwordHash || !(await verifyPassword(row.passwordHash, input.currentPassword)))
    throw fieldError("currentPassword", "That is not your current password", "wrong_password");
  const passwordHash = await hashPassword(input.newPassword);
  await handle.transaction(async (tx) => {
    await tx
      .update(t.users)
      .set({ passwordHash, updatedAt: sql`now()` })
      .where(eq(t.users.id, user.id));
    await deleteUserSessions(tx, t, user.id, currentSessionId ?? undefined);
    await recordActivity(tx, t, { actorType: "agent", actorUserId: user.id, action: "user.password_changed", entityType: "user", entityId: user.id });
  });
}
