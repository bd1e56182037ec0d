import type { AppLoadContext } from "@remix-run/node";
import { and, eq } from "drizzle-orm";
import { queueAccountLockedNotice } from "../email/account-locked-notice.server";
import { memberEmailIs } from "../team/member-queries.server";

/**
 * Emails an active member that their account's sign-in limit tripped, at most once per lock window
 * (the notice key takes one point per window). Runs after the response is decided and never fails
 * the sign-in: a lost notice is logged, and the key is given back so a later trip can retry.
 */
export function noticeAccountLocked(
  context: AppLoadContext,
  { email, accountKey, origin, pausedForSeconds }: { email: string; accountKey: string; origin: string; pausedForSeconds: number },
): void {
  const { accountLockNotices, loginFailuresByAccount } = context.services.rateLimits;
  const { db, t } = context.db;
  const send = async () => {
    const [member] = await db
      .select({ name: t.users.name, email: t.users.email })
      .from(t.users)
      .where(and(memberEmailIs(t, email), eq(t.users.active, true)))
      .limit(1);
    if (!member) return;
    try {
      await accountLockNotices.consume(accountKey);
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection;
      return; // already told in this window
    }
    try {
      await context.db.transaction((tx) =>
        queueAccountLockedNotice(
          { tx, handle: context.db, origin },
          {
            member,
            failures: loginFailuresByAccount.points,
            windowMinutes: Math.round(loginFailuresByAccount.duration / 60),
            pausedForMinutes: Math.max(1, Math.ceil(pausedForSeconds / 60)),
          },
        ),
      );
    } catch (error) {
      // Forget the notice, so the next trip can send it; the original failure is what gets reported.
      await accountLockNotices
        .delete(accountKey)
        .catch((cleanup: unknown) => context.log.warn({ err: cleanup }, "forgetting an unsent account-locked notice failed"));
      throw error;
    }
  };
  void send().catch((error: unknown) => context.log.error({ err: error }, "queueing an account-locked notice failed"));
}
