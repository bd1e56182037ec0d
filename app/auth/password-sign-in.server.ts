import type { AppLoadContext } from "@remix-run/node";
import { memberColumns, memberEmailIs } from "../team/member-queries.server";
import type { CurrentUser } from "./current-user";
import { hashPassword, verifyPassword } from "./password.server";
import { assertNotLimited, recordFailure } from "./rate-limits.server";
import { signInSession } from "./sessions.server";
import { hashToken } from "./tokens.server";

export class InvalidCredentialsError extends Error {
  constructor() {
    super("That email and password do not match an active account in this workspace.");
  }
}

// Compared against when the email is unknown, so both answers take the same time.
const DUMMY_HASH = hashPassword("conductor-timing-equaliser");

type SignInRequest = { email: string; password: string; userAgent: string | null };

/**
 * Checks an email and password for this workspace and opens a session. Failures are counted per
 * client IP and per email+IP (in Postgres, shared by all processes); once either is used up every
 * attempt is refused until the window passes, even with the right password.
 */
export async function signInWithPassword(context: AppLoadContext, { email, password, userAgent }: SignInRequest): Promise<{ user: CurrentUser; token: string }> {
  const { db, t } = context.db;
  const { rateLimits } = context.services;
  const normalisedEmail = email.trim().toLowerCase();
  const limits: Parameters<typeof assertNotLimited>[0] = [
    [rateLimits.loginFailuresByIp, `${context.tenant.id}:${context.clientIp}`],
    [rateLimits.loginFailuresByEmailAndIp, `${context.tenant.id}:${hashToken(normalisedEmail)}:${context.clientIp}`],
  ];
  await assertNotLimited(limits);

  const [row] = await db
    .select({ ...memberColumns(t), active: t.users.active, passwordHash: t.users.passwordHash })
    .from(t.users)
    .where(memberEmailIs(t, normalisedEmail))
    .limit(1);
  const passwordMatches = await verifyPassword(row?.passwordHash ?? (await DUMMY_HASH), password);
  if (!row || !row.active || !row.passwordHash || !passwordMatches) {
    await recordFailure(limits);
    throw new InvalidCredentialsError();
  }
  await limits[1]![0].delete(limits[1]![1]);

  return signInSession(context, { id: row.id, email: row.email, name: row.name, role: row.role }, "password", userAgent);
}
