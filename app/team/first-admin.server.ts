import type { TenantDatabase } from "../../tenancy/connection-router";
import type { PrepareFirstAdmin } from "../../tenancy/provisioning";
import { recordActivity } from "../activity/activity-log.server";
import { hashPassword } from "../auth/password.server";
import { insertInvite } from "./invites.server";
import { memberColumns } from "./member-queries.server";

/**
 * The first admin of a new workspace, for `createTenant`: with a password the admin is created at
 * once, without one a single-use admin invite is written and its token returned. Either way the
 * `workspace.created` activity names what was written. The password is hashed before `createTenant`
 * takes its connections.
 */
export const prepareFirstAdmin: PrepareFirstAdmin = async ({ workspaceName, email, name, password, inviteTtlHours }) => {
  const passwordHash = password ? await hashPassword(password) : null;
  const workspaceCreated = { actorType: "system" as const, action: "workspace.created", changes: { name: { from: null, to: workspaceName } } };
  return async (db: TenantDatabase, t) => {
    if (!passwordHash) {
      const invite = await insertInvite(db, t, { email, role: "admin", invitedByUserId: null, ttlHours: inviteTtlHours });
      await recordActivity(db, t, { ...workspaceCreated, entityType: "invite", entityId: invite.id });
      return invite.token;
    }
    const [admin] = await db
      .insert(t.users)
      .values({ email, name: name ?? defaultNameFromEmail(email), role: "admin", passwordHash })
      .returning(memberColumns(t));
    await recordActivity(db, t, { ...workspaceCreated, entityType: "user", entityId: admin!.id });
    return null;
  };
};

function defaultNameFromEmail(email: string): string {
  const local = email.split("@")[0] ?? email;
  return local.replace(/[._-]+/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}
