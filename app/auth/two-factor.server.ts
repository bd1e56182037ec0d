import type { AppLoadContext } from "@remix-run/node";
import { and, count, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { randomInt } from "node:crypto";
import { encode } from "uqr";
import type { TenantHandle, TenantTransaction } from "../../tenancy/connection-router";
import type { TenantTables } from "../../db/tenant-tables";
import { AppError, fieldError } from "../app-error";
import { recordActivity } from "../activity/activity-log.server";
import { queueSecurityNotice } from "../email/account-security-emails.server";
import type { CurrentUser } from "./current-user";
import { verifyPassword } from "./password.server";
import { refundAttempt, takeAttempt, type LimitCheck } from "./rate-limits.server";
import { decryptSecret, encryptSecret } from "./secret-box.server";
import { hashToken } from "./tokens.server";
import { matchingTotpStep, newTotpSecret, totpUri } from "./totp";
import { RECOVERY_CODE_COUNT } from "./two-factor-schema";

/** What an authenticator app needs to add the account: the secret as a QR code and as text. */
export type TwoFactorEnrolment = { secret: string; uri: string; qrCode: QrCode };

/** A QR code as SVG path data over a `size` × `size` grid (one unit per module, quiet zone included). */
export type QrCode = { size: number; path: string };

/** `passwordRequired`: turning it off asks for the current password (members who sign in only with SSO have none). */
export type TwoFactorStatus = {
  enabled: boolean;
  enabledAt: Date | null;
  recoveryCodesLeft: number;
  enrolment: TwoFactorEnrolment | null;
  passwordRequired: boolean;
};

/** How a second factor was proven. */
export type SecondFactorMethod = "totp" | "recovery_code";

const alreadyOn = () => new AppError("conflict", "Two-factor sign-in is already on for your account.");
const notOn = () => new AppError("conflict", "Two-factor sign-in is not on for your account.");
const noEnrolment = () => new AppError("conflict", "There is no set-up to confirm. Start the set-up again.");
const wrongCode = (field = "code") =>
  fieldError(field, "That code is not right. Enter the code your authenticator app shows now (check that your phone's clock is right).");

/** The profile's view: on or off, recovery codes left, and a set-up in progress with its QR code (rendered here, as SVG path data). */
export async function twoFactorStatus(context: AppLoadContext, user: CurrentUser): Promise<TwoFactorStatus> {
  const { db, t } = context.db;
  const [[row], [codes], [member]] = await Promise.all([
    db.select().from(t.memberTotp).where(eq(t.memberTotp.userId, user.id)),
    db
      .select({ left: count() })
      .from(t.memberRecoveryCodes)
      .where(and(eq(t.memberRecoveryCodes.userId, user.id), isNull(t.memberRecoveryCodes.usedAt))),
    db
      .select({ hasPassword: sql<boolean>`${t.users.passwordHash} is not null` })
      .from(t.users)
      .where(eq(t.users.id, user.id)),
  ]);
  const passwordRequired = member?.hasPassword ?? true;
  if (row?.confirmedAt) return { enabled: true, enabledAt: row.confirmedAt, recoveryCodesLeft: codes?.left ?? 0, enrolment: null, passwordRequired };
  if (!row) return { enabled: false, enabledAt: null, recoveryCodesLeft: 0, enrolment: null, passwordRequired };
  const secret = decryptSecret(context.services.auth.sessionSecret, row.sealedSecret);
  const uri = totpUri({ secret, issuer: `Conductor (${context.tenant.name})`, account: user.email });
  return { enabled: false, enabledAt: null, recoveryCodesLeft: 0, enrolment: { secret, uri, qrCode: qrCode(uri) }, passwordRequired };
}

/** Whether the member signs in with a second factor (a confirmed authenticator). */
export async function hasTwoFactor({ db, t }: Pick<TenantHandle, "db" | "t">, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ userId: t.memberTotp.userId })
    .from(t.memberTotp)
    .where(and(eq(t.memberTotp.userId, userId), isNotNull(t.memberTotp.confirmedAt)));
  return Boolean(row);
}

/** A fresh secret for a set-up not yet confirmed (replacing an earlier unconfirmed one); refused while two-factor is on. */
export async function startTwoFactorEnrolment(context: AppLoadContext, user: CurrentUser): Promise<void> {
  const { db, t } = context.db;
  const sealedSecret = encryptSecret(context.services.auth.sessionSecret, newTotpSecret());
  const started = await db
    .insert(t.memberTotp)
    .values({ userId: user.id, sealedSecret })
    .onConflictDoUpdate({
      target: t.memberTotp.userId,
      set: { sealedSecret, lastUsedStep: null, createdAt: sql`now()` },
      setWhere: isNull(t.memberTotp.confirmedAt),
    })
    .returning({ userId: t.memberTotp.userId });
  if (started.length === 0) throw alreadyOn();
}

export async function cancelTwoFactorEnrolment({ db, t }: Pick<TenantHandle, "db" | "t">, userId: number): Promise<boolean> {
  const cancelled = await db
    .delete(t.memberTotp)
    .where(and(eq(t.memberTotp.userId, userId), isNull(t.memberTotp.confirmedAt)))
    .returning({ userId: t.memberTotp.userId });
  return cancelled.length > 0;
}

/**
 * Turns two-factor on with the first code from the app, and returns the recovery codes (shown once;
 * only their hashes are kept). The code's step counts as used, so it cannot also sign in.
 */
export async function confirmTwoFactorEnrolment(context: AppLoadContext, user: CurrentUser, code: string): Promise<string[]> {
  const handle = context.db;
  const { t } = handle;
  const [row] = await handle.db
    .select({ sealedSecret: t.memberTotp.sealedSecret })
    .from(t.memberTotp)
    .where(and(eq(t.memberTotp.userId, user.id), isNull(t.memberTotp.confirmedAt)));
  if (!row) throw (await hasTwoFactor(handle, user.id)) ? alreadyOn() : noEnrolment();
  const secret = decryptSecret(context.services.auth.sessionSecret, row.sealedSecret);
  const step = matchingTotpStep(secret, code, { timestampMs: Date.now(), lastUsedStep: null });
  if (step === null) throw wrongCode();
  return handle.transaction(async (tx) => {
    const confirmed = await tx
      .update(t.memberTotp)
      .set({ confirmedAt: sql`now()`, lastUsedStep: step })
      .where(and(eq(t.memberTotp.userId, user.id), isNull(t.memberTotp.confirmedAt), eq(t.memberTotp.sealedSecret, row.sealedSecret)))
      .returning({ userId: t.memberTotp.userId });
    if (confirmed.length === 0) throw noEnrolment();
    const codes = await replaceRecoveryCodes(tx, t, user.id);
    await recordActivity(tx, t, { actorType: "agent", actorUserId: user.id, action: "user.two_factor_enabled", entityType: "user", entityId: user.id });
    await notifyTwoFactorChange(
      context,
      tx,
      user,
      "Two-factor sign-in was turned on",
      "two-factor sign-in was turned on: signing in now also asks for a code from an authenticator app.",
    );
    return codes;
  });
}

/** A new set of recovery codes replacing every earlier one; needs a current code from the app. */
export async function regenerateRecoveryCodes(context: AppLoadContext, user: CurrentUser, code: string): Promise<string[]> {
  const handle = context.db;
  const { t } = handle;
  if (!(await hasTwoFactor(handle, user.id))) throw notOn();
  await proveSecondFactor(context, user.id, code, { allowRecoveryCode: false, wrong: () => wrongCode() });
  return handle.transaction(async (tx) => {
    const codes = await replaceRecoveryCodes(tx, t, user.id);
    await recordActivity(tx, t, {
      actorType: "agent",
      actorUserId: user.id,
      action: "user.recovery_codes_regenerated",
      entityType: "user",
      entityId: user.id,
    });
    await notifyTwoFactorChange(context, tx, user, "New recovery codes were made", "a new set of recovery codes was made; the earlier codes no longer work.");
    return codes;
  });
}

/**
 * Turns two-factor off: needs the current password (when the member has one) and a code from the app
 * or an unused recovery code. The secret and every recovery code are deleted.
 */
export async function disableTwoFactor(context: AppLoadContext, user: CurrentUser, input: { currentPassword: string; code: string }): Promise<void> {
  const handle = context.db;
  const { db, t } = handle;
  const [member] = await db.select({ passwordHash: t.users.passwordHash }).from(t.users).where(eq(t.users.id, user.id));
  if (!(await hasTwoFactor(handle, user.id))) throw notOn();
  if (member?.passwordHash && !(await verifyPassword(member.passwordHash, input.currentPassword))) {
    throw fieldError("currentPassword", "That is not your current password", "wrong_password");
  }
  await proveSecondFactor(context, user.id, input.code, { allowRecoveryCode: true, wrong: () => wrongCode() });
  await handle.transaction(async (tx) => {
    await tx.delete(t.memberRecoveryCodes).where(eq(t.memberRecoveryCodes.userId, user.id));
    await tx.delete(t.memberTotp).where(eq(t.memberTotp.userId, user.id));
    await recordActivity(tx, t, { actorType: "agent", actorUserId: user.id, action: "user.two_factor_disabled", entityType: "user", entityId: user.id });
    await notifyTwoFactorChange(
      context,
      tx,
      user,
      "Two-factor sign-in was turned off",
      "two-factor sign-in was turned off: your password alone signs you in again.",
    );
  });
}

/** The member hears of every change to their second factor, in the change's transaction. */
function notifyTwoFactorChange(context: AppLoadContext, tx: TenantTransaction, user: CurrentUser, subject: string, what: string) {
  return queueSecurityNotice(
    { tx, handle: context.db, origin: context.services.mail.originFor(context.tenant) },
    {
      member: user,
      kind: "two_factor_changed",
      subject: `${subject} (${context.tenant.name})`,
      lines: [`On your account (${user.email}) in ${context.tenant.name}, ${what}`],
    },
  );
}

/**
 * Checks a second factor: a code from the app, else (when allowed) an unused recovery code, and uses
 * it up so it never works again. Every attempt first takes a point per client key and per member
 * (atomic, shared by all processes); a right code gives them back, so the limits hold failures,
 * as for passwords. `wrong` is what a code that is not right throws.
 */
export async function proveSecondFactor(
  context: AppLoadContext,
  userId: number,
  input: string,
  { allowRecoveryCode, wrong }: { allowRecoveryCode: boolean; wrong: () => AppError },
): Promise<SecondFactorMethod> {
  const { twoFactorFailuresByIp, twoFactorFailuresByAccount } = context.services.rateLimits;
  const checks: LimitCheck[] = [
    [twoFactorFailuresByIp, `${context.tenant.id}:${context.clientKey}`],
    [twoFactorFailuresByAccount, `${context.tenant.id}:${userId}`],
  ];
  await takeAttempt(checks, (tryAgain) => `Too many wrong codes. ${tryAgain}`);
  let method: SecondFactorMethod | null = null;
  if (await spendTotpCode(context.db, context.services.auth.sessionSecret, userId, input)) method = "totp";
  else if (allowRecoveryCode && (await spendRecoveryCode(context.db, userId, input))) method = "recovery_code";
  if (!method) throw wrong();
  await refundAttempt(checks);
  return method;
}

/**
 * Uses a code from the app: its step must be after the last one used, and is recorded by a
 * conditional UPDATE, so of two requests with one code (or racing codes) only one can pass.
 */
export async function spendTotpCode({ db, t }: Pick<TenantHandle, "db" | "t">, sessionSecret: string, userId: number, code: string): Promise<boolean> {
  const [row] = await db
    .select({ sealedSecret: t.memberTotp.sealedSecret, lastUsedStep: t.memberTotp.lastUsedStep })
    .from(t.memberTotp)
    .where(and(eq(t.memberTotp.userId, userId), isNotNull(t.memberTotp.confirmedAt)));
  if (!row) return false;
  const secret = decryptSecret(sessionSecret, row.sealedSecret);
  const step = matchingTotpStep(secret, code, { timestampMs: Date.now(), lastUsedStep: row.lastUsedStep });
  if (step === null) return false;
  const used = await db
    .update(t.memberTotp)
    .set({ lastUsedStep: step })
    .where(
      and(
        eq(t.memberTotp.userId, userId),
        isNotNull(t.memberTotp.confirmedAt),
        eq(t.memberTotp.sealedSecret, row.sealedSecret),
        or(isNull(t.memberTotp.lastUsedStep), lt(t.memberTotp.lastUsedStep, step)),
      ),
    )
    .returning({ userId: t.memberTotp.userId });
  return used.length === 1;
}

/** Uses an unused recovery code, once: marking it used is the check, so two requests cannot both pass. */
export async function spendRecoveryCode(handle: TenantHandle, userId: number, input: string): Promise<boolean> {
  const code = normaliseRecoveryCode(input);
  if (!code) return false;
  const { t } = handle;
  return handle.transaction(async (tx) => {
    const used = await tx
      .update(t.memberRecoveryCodes)
      .set({ usedAt: sql`now()` })
      .where(and(eq(t.memberRecoveryCodes.userId, userId), eq(t.memberRecoveryCodes.codeHash, hashToken(code)), isNull(t.memberRecoveryCodes.usedAt)))
      .returning({ id: t.memberRecoveryCodes.id });
    if (used.length === 0) return false;
    const [left] = await tx
      .select({ left: count() })
      .from(t.memberRecoveryCodes)
      .where(and(eq(t.memberRecoveryCodes.userId, userId), isNull(t.memberRecoveryCodes.usedAt)));
    await recordActivity(tx, t, {
      actorType: "agent",
      actorUserId: userId,
      action: "user.recovery_code_used",
      entityType: "user",
      entityId: userId,
      changes: { recoveryCodesLeft: { from: (left?.left ?? 0) + 1, to: left?.left ?? 0 } },
    });
    return true;
  });
}

// No 0/o, 1/i/l: a code is read off paper and typed.
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_CODE_LENGTH = 10;

function newRecoveryCode(): string {
  let code = "";
  for (let index = 0; index < RECOVERY_CODE_LENGTH; index++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Case, spaces and the dash do not matter. */
function normaliseRecoveryCode(input: string): string | null {
  const code = input.toLowerCase().replace(/[\s-]+/g, "");
  return code.length === RECOVERY_CODE_LENGTH && [...code].every((char) => RECOVERY_ALPHABET.includes(char)) ? code : null;
}

async function replaceRecoveryCodes(tx: TenantTransaction, t: TenantTables, userId: number): Promise<string[]> {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(newRecoveryCode());
  await tx.delete(t.memberRecoveryCodes).where(eq(t.memberRecoveryCodes.userId, userId));
  await tx.insert(t.memberRecoveryCodes).values([...codes].map((code) => ({ userId, codeHash: hashToken(normaliseRecoveryCode(code)!) })));
  return [...codes];
}

function qrCode(text: string): QrCode {
  const { size, data } = encode(text, { ecc: "M", border: 2 });
  let path = "";
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) path += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return { size, path };
}
