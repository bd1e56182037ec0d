import { randomInt } from "node:crypto";
import type { AppLoadContext } from "@remix-run/node";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import { fieldError } from "../app-error";
import { constantTimeEqual, hmac, randomToken } from "../auth/tokens.server";
import { queueLoginCode } from "../email/notifications.server";
import { takeCodeCheck, takeCodeRequest } from "./portal-rate-limits.server";

/**
 * Passwordless sign-in for customers: a 6-digit code and a link, sent together, valid once for
 * CODE_TTL_MINUTES. Both are stored as HMACs keyed with the session secret and the tenant's id,
 * so a leaked table does not give them away (six digits are trivial to brute-force from a plain
 * hash) and a code or link from one workspace means nothing on another.
 */

export const CODE_TTL_MINUTES = 15;
export const MAX_CODE_ATTEMPTS = 5;

type Keys = { secret: string; tenantId: string };

const codeDigest = ({ secret, tenantId }: Keys, customerId: number, code: string) => hmac(secret, "portal-sign-in-code", tenantId, String(customerId), code);
const linkDigest = ({ secret, tenantId }: Keys, token: string) => hmac(secret, "portal-sign-in-link", tenantId, token);

export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The keys of this request's workspace. */
export const signInCodeKeys = (context: AppLoadContext): Keys => ({ secret: context.services.auth.sessionSecret, tenantId: context.tenant.id });

/**
 * A customer asks for a code: counted against the client's address and the email first (throws
 * `rate_limited` past either), then sent in the background, so the answer is the same, and as
 * fast, whether or not the email belongs to a customer.
 */
export async function requestSignInCode(context: AppLoadContext, request: { email: string; origin: string; redirectTo?: string }): Promise<void> {
  await takeCodeRequest(context, request.email);
  void sendSignInCode(context.db, signInCodeKeys(context), request).catch((error: unknown) =>
    context.log.error({ err: error }, "sending a portal sign-in code failed"),
  );
}

/** One message for every failure, so checking codes does not reveal which emails have an account. */
const wrongCode = () => fieldError("code", "That code is wrong, used or expired. Check the newest email from us, or ask for a new code.", "sign_in_code_wrong");

/**
 * A customer enters a code: the attempt is counted (throws `rate_limited` past a limit) before the
 * code is compared; a failed check throws `sign_in_code_wrong`. Returns the customer's id.
 */
export async function signInWithCode(context: AppLoadContext, { email, code }: { email: string; code: string }): Promise<number> {
  const attempt = await takeCodeCheck(context, email);
  const check = await verifySignInCode(context.db, signInCodeKeys(context), email, code);
  if (!check.ok) throw wrongCode();
  await attempt.refund();
  return check.customerId;
}

/**
 * Emails a fresh code and link when the address belongs to a customer of this workspace, and does
 * nothing otherwise. Callers answer before this finishes (see requestSignInCode), so the response
 * cannot tell the two apart by its content or its timing. Issuing a code retires earlier ones.
 */
export async function sendSignInCode(
  handle: TenantHandle,
  keys: Keys,
  { email, origin, redirectTo }: { email: string; origin: string; redirectTo?: string },
): Promise<void> {
  const { t } = handle;
  await handle.transaction(async (tx) => {
    const [customer] = await tx
      .select({ id: t.customers.id, name: t.customers.name, email: t.customers.email })
      .from(t.customers)
      .where(sql`lower(${t.customers.email}) = ${email.toLowerCase()}`)
      .for("update");
    if (!customer) return;
    await tx
      .update(t.customerLoginCodes)
      .set({ expiresAt: sql`now()` })
      .where(and(eq(t.customerLoginCodes.customerId, customer.id), isNull(t.customerLoginCodes.usedAt), gt(t.customerLoginCodes.expiresAt, sql`now()`)));
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const token = randomToken();
    await tx.insert(t.customerLoginCodes).values({
      customerId: customer.id,
      codeHash: codeDigest(keys, customer.id, code),
      linkTokenHash: linkDigest(keys, token),
      expiresAt: sql`now() + make_interval(mins => ${CODE_TTL_MINUTES})`,
    });
    const link = new URL(`/portal/login/${token}`, origin);
    if (redirectTo) link.searchParams.set("redirectTo", redirectTo);
    await queueLoginCode(
      { tx, handle, origin },
      { customer: { name: customer.name, email: customer.email }, code, link: link.toString(), expiresInMinutes: CODE_TTL_MINUTES },
    );
  });
}

export type CodeCheck = { ok: true; customerId: number } | { ok: false };

/**
 * Checks a code against the newest live code of the customer with this email. Every check counts
 * as an attempt, and the code is dead after MAX_CODE_ATTEMPTS; a right code is used up at once.
 * The caller shows one message for every failure (unknown email, no code, wrong, locked, expired,
 * used), so checking codes does not reveal which emails have an account either.
 */
export async function verifySignInCode({ db, t }: TenantHandle, keys: Keys, email: string, code: string): Promise<CodeCheck> {
  const [row] = await db
    .select({ id: t.customerLoginCodes.id, customerId: t.customerLoginCodes.customerId, codeHash: t.customerLoginCodes.codeHash })
    .from(t.customerLoginCodes)
    .innerJoin(t.customers, eq(t.customers.id, t.customerLoginCodes.customerId))
    .where(and(sql`lower(${t.customers.email}) = ${email.toLowerCase()}`, isNull(t.customerLoginCodes.usedAt), gt(t.customerLoginCodes.expiresAt, sql`now()`)))
    .orderBy(desc(t.customerLoginCodes.createdAt), desc(t.customerLoginCodes.id))
    .limit(1);
  // The same statements run whether or not the email has a live code (the update then matches no
  // row: ids start at 1), so the time a check takes does not tell either.
  const expected = codeDigest(keys, row?.customerId ?? 0, code);
  // Count the attempt first, atomically: concurrent guesses cannot exceed the limit.
  const [counted] = await db
    .update(t.customerLoginCodes)
    .set({ attempts: sql`${t.customerLoginCodes.attempts} + 1` })
    .where(
      and(
        eq(t.customerLoginCodes.id, row?.id ?? 0),
        sql`${t.customerLoginCodes.attempts} < ${MAX_CODE_ATTEMPTS}`,
        isNull(t.customerLoginCodes.usedAt),
        gt(t.customerLoginCodes.expiresAt, sql`now()`),
      ),
    )
    .returning({ attempts: t.customerLoginCodes.attempts });
  if (!row || !counted || !constantTimeEqual(row.codeHash, expected)) return { ok: false };
  return consumeCode(db, t, eq(t.customerLoginCodes.id, row.id));
}

/** Whether a sign-in link is live, without using it up (the page asks the customer to confirm first). */
export async function signInLinkIsLive({ db, t }: TenantHandle, keys: Keys, token: string): Promise<boolean> {
  if (!LINK_TOKEN_PATTERN.test(token)) return false;
  const [row] = await db
    .select({ id: t.customerLoginCodes.id })
    .from(t.customerLoginCodes)
    .where(
      and(eq(t.customerLoginCodes.linkTokenHash, linkDigest(keys, token)), isNull(t.customerLoginCodes.usedAt), gt(t.customerLoginCodes.expiresAt, sql`now()`)),
    );
  return Boolean(row);
}

/** Uses up a sign-in link (and the code sent with it). */
export async function redeemSignInLink({ db, t }: TenantHandle, keys: Keys, token: string): Promise<CodeCheck> {
  if (!LINK_TOKEN_PATTERN.test(token)) return { ok: false };
  return consumeCode(db, t, eq(t.customerLoginCodes.linkTokenHash, linkDigest(keys, token)));
}

async function consumeCode(db: TenantHandle["db"], t: TenantHandle["t"], which: ReturnType<typeof eq>): Promise<CodeCheck> {
  const [used] = await db
    .update(t.customerLoginCodes)
    .set({ usedAt: sql`now()` })
    .where(and(which, isNull(t.customerLoginCodes.usedAt), gt(t.customerLoginCodes.expiresAt, sql`now()`)))
    .returning({ customerId: t.customerLoginCodes.customerId });
  return used ? { ok: true, customerId: used.customerId } : { ok: false };
}
