import type { AppLoadContext } from "@remix-run/node";
import { recordActivity } from "../activity/activity-log.server";
import { requireAuth } from "./guards.server";
import { deleteSession } from "./sessions.server";

export async function signOut(context: AppLoadContext): Promise<void> {
  const auth = requireAuth(context);
  if (auth.via !== "session") return;
  const { db, t } = context.db;
  await deleteSession(context.db, auth.sessionId);
  await recordActivity(db, t, { actorType: "agent", actorUserId: auth.user.id, action: "user.signed_out", entityType: "user", entityId: auth.user.id });
}
