import { and, eq, inArray } from "drizzle-orm";
import { createHash } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPendingSignIn, pendingSignInCookie, sealPendingSignIn, type PendingSignIn } from "../app/auth/password-sign-in.server";
import { decryptSecret } from "../app/auth/secret-box.server";
import { spendRecoveryCode, spendTotpCode } from "../app/auth/two-factor.server";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, TEST_SESSION_SECRET, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let globex: TenantRecord;

// LOGIN_MAX_FAILURES_PER_EMAIL's default: two-factor codes are limited per member like passwords per email.
const CODE_FAILURES_ALLOWED = 5;
const PASSWORD = "correct horse battery";

beforeAll(async () => {
  acme = await createTestTenant(platform, { name: "Acme" });
  globex = await createTestTenant(platform, { name: "Globex" });
  // Behind a trusted proxy so each request can come from its own client IP (X-Forwarded-For).
  server = await startTestServer(platform, { trustProxy: true });
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

const host = (tenant: TenantRecord) => `${tenant.slug}.localhost`;
const origin = (tenant: TenantRecord) => `http://${host(tenant)}`;

let lastIp = 0;
const freshIp = () => {
  lastIp += 1;
  return `10.88.${lastIp >> 8}.${lastIp & 255}`;
};

/** A cookie's `name=value` from a response's Set-Cookie headers (joined by ", " by the test client). */
function cookieFrom(response: Response, name: string): string | null {
  const value = new RegExp(`(?:^|, )${name}=([^;]*)`).exec(response.headers.get("set-cookie") ?? "")?.[1];
  return value === undefined ? null : `${name}=${value}`;
}

const PENDING = "conductor_pending_sign_in";
const SESSION = "conductor_session";

// The authenticator app: codes computed with the library from the secret the server stored.
const STEP_MS = 30_000;
const currentStep = () => Math.floor(Date.now() / STEP_MS);
const codeAt = (secret: string, step: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: step * STEP_MS + 1000 });

/** Waits until the clock is at least 3 s away from a step boundary, so the test's step is the server's. */
async function awayFromStepEdge() {
  const into = Date.now() % STEP_MS;
  if (into < 3000) await new Promise((resolve) => setTimeout(resolve, 3000 - into));
  else if (into > STEP_MS - 4000) await new Promise((resolve) => setTimeout(resolve, STEP_MS - into + 3000));
}

async function storedSecret(tenant: TenantRecord, userId: number): Promise<string> {
  const { db, t } = platform.router.forTenant(tenant);
  const [row] = await db.select().from(t.memberTotp).where(eq(t.memberTotp.userId, userId));
  expect(row, "a member_totp row").toBeDefined();
  return decryptSecret(TEST_SESSION_SECRET, row!.sealedSecret);
}

async function profilePost(tenant: TenantRecord, session: { cookie: string; csrf: string }, fields: Record<string, string>) {
  return server.request(host(tenant), "/settings/profile", {
    method: "POST",
    body: form({ csrf: session.csrf, ...fields }),
    headers: postHeaders(origin(tenant), { cookie: session.cookie, "x-forwarded-for": freshIp() }),
  });
}

const recoveryCodesIn = (html: string) =>
  [...(/data-testid="recovery-codes"[^>]*>(.*?)<\/ol>/s.exec(html)?.[1] ?? "").matchAll(/<li>([a-z0-9-]+)<\/li>/g)].map((match) => match[1]!);

/** A member with two-factor on, enrolled through the profile page with the previous step's code (so this step's and the next are still unused). */
async function enrolledMember(tenant: TenantRecord, email: string) {
  const member = await createMember(platform, tenant, { email, password: PASSWORD });
  const session = await sessionFor(platform, tenant, member.id);
  expect((await profilePost(tenant, session, { intent: "two-factor-start" })).status).toBe(200);
  const secret = await storedSecret(tenant, member.id);
  await awayFromStepEdge();
  const confirmed = await profilePost(tenant, session, { intent: "two-factor-confirm", code: codeAt(secret, currentStep() - 1) });
  expect(confirmed.status).toBe(200);
  const recoveryCodes = recoveryCodesIn(await confirmed.text());
  expect(recoveryCodes).toHaveLength(10);
  return { member, session, secret, recoveryCodes };
}

async function passwordStep(tenant: TenantRecord, email: string, { password = PASSWORD, redirectTo }: { password?: string; redirectTo?: string } = {}) {
  const response = await server.request(host(tenant), "/login", {
    method: "POST",
    body: form({ email, password, ...(redirectTo ? { redirectTo } : {}) }),
    headers: postHeaders(origin(tenant), { "x-forwarded-for": freshIp() }),
  });
  expect(response.status).toBe(302);
  expect(response.headers.get("location")).toBe("/login/two-factor");
  expect(cookieFrom(response, SESSION)).toBeNull();
  const pending = cookieFrom(response, PENDING);
  expect(pending).not.toBeNull();
  return pending!;
}

async function secondStep(tenant: TenantRecord, pendingCookie: string, code: string, ip = freshIp()) {
  return server.request(host(tenant), "/login/two-factor", {
    method: "POST",
    body: form({ code }),
    headers: postHeaders(origin(tenant), { cookie: pendingCookie, "x-forwarded-for": ip }),
  });
}

/** Whether a second step opened a session: a session cookie that /api/auth/me accepts. */
async function signedIn(tenant: TenantRecord, response: Response): Promise<boolean> {
  const cookie = cookieFrom(response, SESSION);
  if (response.status !== 302 || !cookie) return false;
  return (await server.request(host(tenant), "/api/auth/me", { headers: { cookie } })).status === 200;
}

async function sessionCount(tenant: TenantRecord, userId: number) {
  const { db, t } = platform.router.forTenant(tenant);
  return (await db.select().from(t.sessions).where(eq(t.sessions.userId, userId))).length;
}

async function activity(tenant: TenantRecord, userId: number, action: string) {
  const { db, t } = platform.router.forTenant(tenant);
  return db
    .select()
    .from(t.activityLogs)
    .where(and(eq(t.activityLogs.action, action), eq(t.activityLogs.entityId, userId)));
}

describe("enrolment", () => {
  it("shows a QR code and the key, refuses a wrong first code, and turns on with a right one, showing ten recovery codes once, stored hashed", async () => {
    const member = await createMember(platform, acme, { email: "enrol@acme.test", password: PASSWORD });
    const session = await sessionFor(platform, acme, member.id);
    const before = await (await server.request(host(acme), "/settings/profile", { headers: { cookie: session.cookie } })).text();
    expect(before).toContain("Two-factor sign-in");
    expect(before).toContain("Set up two-factor sign-in");

    expect((await profilePost(acme, session, { intent: "two-factor-start" })).status).toBe(200);
    const { db, t } = platform.router.forTenant(acme);
    const [row] = await db.select().from(t.memberTotp).where(eq(t.memberTotp.userId, member.id));
    const secret = await storedSecret(acme, member.id);
    expect(row?.confirmedAt).toBeNull();
    expect(row?.sealedSecret).not.toContain(secret);

    const page = await (await server.request(host(acme), "/settings/profile", { headers: { cookie: session.cookie } })).text();
    expect(page).toMatch(/<svg[^>]*data-testid="two-factor-qr"[^>]*>.*<path d="M/s);
    expect(page).toContain(secret.replace(/(.{4})/g, "$1 ").trim());
    const uri = new URL(/href="(otpauth:[^"]+)"/.exec(page.replace(/&amp;/g, "&"))?.[1] ?? "otpauth://missing");
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(uri.searchParams.get("issuer")).toBe("Conductor (Acme)");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(decodeURIComponent(uri.pathname)).toBe("/Conductor (Acme):enrol@acme.test");

    await awayFromStepEdge();
    const wrong = await profilePost(acme, session, { intent: "two-factor-confirm", code: codeAt(secret, currentStep() - 3) });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That code is not right");
    const [stillPending] = await db.select().from(t.memberTotp).where(eq(t.memberTotp.userId, member.id));
    expect(stillPending?.confirmedAt).toBeNull();
    expect(await db.select().from(t.memberRecoveryCodes).where(eq(t.memberRecoveryCodes.userId, member.id))).toHaveLength(0);

    const step = currentStep();
    const confirmed = await profilePost(acme, session, { intent: "two-factor-confirm", code: codeAt(secret, step) });
    expect(confirmed.status).toBe(200);
    const codes = recoveryCodesIn(await confirmed.text());
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const [on] = await db.select().from(t.memberTotp).where(eq(t.memberTotp.userId, member.id));
    expect(on?.confirmedAt).not.toBeNull();
    expect(on?.lastUsedStep).toBe(step);
    const stored = await db.select().from(t.memberRecoveryCodes).where(eq(t.memberRecoveryCodes.userId, member.id));
    const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
    expect(stored.map((code) => code.codeHash).sort()).toEqual(codes.map((code) => sha256(code.replace("-", ""))).sort());
    expect(await activity(acme, member.id, "user.two_factor_enabled")).toHaveLength(1);

    // Shown once: the profile now says it is on, and never shows the codes again.
    const after = await (await server.request(host(acme), "/settings/profile", { headers: { cookie: session.cookie } })).text();
    expect(after).toMatch(/data-testid="two-factor-status"[^>]*>.*On/s);
    expect(after.replace(/<!-- -->/g, "")).toContain("10 of 10 recovery codes left");
    for (const code of codes) expect(after).not.toContain(code);
    expect(after).not.toContain(secret.replace(/(.{4})/g, "$1 ").trim());
    // A second set-up cannot replace the secret while two-factor is on.
    const again = await profilePost(acme, session, { intent: "two-factor-start" });
    expect(again.status).toBe(409);
    expect(await storedSecret(acme, member.id)).toBe(secret);
  });
});

describe("signing in with a code", () => {
  it("asks for a second step after the password; that step opens nothing else; a right code signs in to the redirect target", async () => {
    const { member, secret } = await enrolledMember(acme, "second@acme.test");
    const sessionsBefore = await sessionCount(acme, member.id);
    const pending = await passwordStep(acme, "second@acme.test", { redirectTo: "/tickets?status=all" });
    expect(await sessionCount(acme, member.id)).toBe(sessionsBefore);

    // The pending state is not a session: pages send it to sign in, the API answers 401.
    const tickets = await server.request(host(acme), "/tickets", { headers: { cookie: pending } });
    expect(tickets.status).toBe(302);
    expect(tickets.headers.get("location")).toMatch(/^\/login/);
    expect((await server.request(host(acme), "/api/auth/me", { headers: { cookie: pending } })).status).toBe(401);
    expect((await server.request(host(acme), "/api/tickets", { headers: { cookie: pending } })).status).toBe(401);

    const page = await server.request(host(acme), "/login/two-factor", { headers: { cookie: pending } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Two-factor sign-in");
    expect(html).toContain('autoComplete="one-time-code"');
    // Without the pending state the second step sends back to the password.
    const bare = await server.request(host(acme), "/login/two-factor");
    expect(bare.status).toBe(302);
    expect(bare.headers.get("location")).toBe("/login?two_factor=expired");

    await awayFromStepEdge();
    const done = await secondStep(acme, pending, codeAt(secret, currentStep()));
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/tickets?status=all");
    expect(done.headers.get("set-cookie")).toMatch(new RegExp(`${PENDING}=;.*Max-Age=0`, "i"));
    expect(await signedIn(acme, done)).toBe(true);
    expect(await sessionCount(acme, member.id)).toBe(sessionsBefore + 1);
    const entries = await activity(acme, member.id, "user.signed_in");
    expect(entries.at(-1)?.changes).toMatchObject({ method: { from: null, to: "password" }, device: { from: null, to: "Unknown device" } });
  });

  it("refuses the same code twice (replay), and an older code after a newer one", async () => {
    const { member, secret } = await enrolledMember(acme, "replay@acme.test");
    await awayFromStepEdge();
    const step = currentStep();
    expect(await signedIn(acme, await secondStep(acme, await passwordStep(acme, "replay@acme.test"), codeAt(secret, step)))).toBe(true);
    const sessions = await sessionCount(acme, member.id);

    const pending = await passwordStep(acme, "replay@acme.test");
    const replayed = await secondStep(acme, pending, codeAt(secret, step));
    expect(replayed.status).toBe(401);
    expect(await replayed.text()).toContain("That code is not right");
    expect(cookieFrom(replayed, SESSION)).toBeNull();
    // The previous step's code is inside the window, but older than the one used.
    expect((await secondStep(acme, pending, codeAt(secret, step - 1))).status).toBe(401);
    expect(await sessionCount(acme, member.id)).toBe(sessions);
  });

  it("accepts a code one step either side of the server's and refuses two steps away", async () => {
    const { member, secret } = await enrolledMember(acme, "window@acme.test");
    // As if the member last used a code long ago, so only the window decides.
    const { db, t } = platform.router.forTenant(acme);
    await awayFromStepEdge();
    const step = currentStep();
    await db
      .update(t.memberTotp)
      .set({ lastUsedStep: step - 100 })
      .where(eq(t.memberTotp.userId, member.id));
    const pending = await passwordStep(acme, "window@acme.test");
    expect((await secondStep(acme, pending, codeAt(secret, step - 2))).status).toBe(401);
    expect((await secondStep(acme, pending, codeAt(secret, step + 2))).status).toBe(401);
    expect(await signedIn(acme, await secondStep(acme, pending, codeAt(secret, step - 1)))).toBe(true);
    expect(await signedIn(acme, await secondStep(acme, await passwordStep(acme, "window@acme.test"), codeAt(secret, step + 1)))).toBe(true);
    const [row] = await db.select().from(t.memberTotp).where(eq(t.memberTotp.userId, member.id));
    expect(row?.lastUsedStep).toBe(step + 1);
    // The current step is now older than the one used.
    expect((await secondStep(acme, await passwordStep(acme, "window@acme.test"), codeAt(secret, step))).status).toBe(401);
  });

  it("lets exactly one of two simultaneous uses of one code through", async () => {
    const { member, secret, recoveryCodes } = await enrolledMember(acme, "race@acme.test");
    await awayFromStepEdge();
    const code = codeAt(secret, currentStep());
    const [first, second] = await Promise.all([passwordStep(acme, "race@acme.test"), passwordStep(acme, "race@acme.test")]);
    const sessions = await sessionCount(acme, member.id);
    const answers = await Promise.all([secondStep(acme, first, code), secondStep(acme, second, code), secondStep(acme, first, code)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([302, 401, 401]);
    expect(await sessionCount(acme, member.id)).toBe(sessions + 1);

    // And of one recovery code, with spacing and case that do not matter.
    const recovery = recoveryCodes[0]!;
    const racing = await Promise.all([
      secondStep(acme, first, recovery),
      secondStep(acme, second, recovery.toUpperCase()),
      secondStep(acme, first, recovery.replace("-", " ")),
    ]);
    expect(racing.map((answer) => answer.status).sort()).toEqual([302, 401, 401]);
    expect(await sessionCount(acme, member.id)).toBe(sessions + 2);
    expect(await activity(acme, member.id, "user.recovery_code_used")).toHaveLength(1);
  });
});

describe("using a code up", () => {
  // Over HTTP the rate limiter's row lock spaces racing requests out; here nothing does, so only the database's check-and-set decides.
  it("lets exactly one of many simultaneous uses of one code (or one recovery code) through", async () => {
    const { member, secret, recoveryCodes } = await enrolledMember(acme, "stampede@acme.test");
    const handle = platform.router.forTenant(acme);
    await awayFromStepEdge();
    const code = codeAt(secret, currentStep());
    const spent = await Promise.all(Array.from({ length: 8 }, () => spendTotpCode(handle, TEST_SESSION_SECRET, member.id, code)));
    expect(spent.filter(Boolean)).toHaveLength(1);
    const recovered = await Promise.all(Array.from({ length: 8 }, () => spendRecoveryCode(handle, member.id, recoveryCodes[0]!)));
    expect(recovered.filter(Boolean)).toHaveLength(1);
    expect(await activity(acme, member.id, "user.recovery_code_used")).toHaveLength(1);
  });
});

describe("recovery codes", () => {
  it("sign in once each, are recorded, and a new set (which needs a current code) replaces the old", async () => {
    const { member, session, secret, recoveryCodes } = await enrolledMember(acme, "recover@acme.test");
    const [code, spare] = recoveryCodes;
    const used = await secondStep(acme, await passwordStep(acme, "recover@acme.test"), code!);
    expect(await signedIn(acme, used)).toBe(true);
    const [entry] = await activity(acme, member.id, "user.recovery_code_used");
    expect(entry).toMatchObject({ actorUserId: member.id, entityType: "user", changes: { recoveryCodesLeft: { from: 10, to: 9 } } });
    expect((await secondStep(acme, await passwordStep(acme, "recover@acme.test"), code!)).status).toBe(401);
    const { db, t } = platform.router.forTenant(acme);
    expect(await db.select().from(t.memberRecoveryCodes).where(eq(t.memberRecoveryCodes.userId, member.id))).toHaveLength(10);

    await awayFromStepEdge();
    const wrong = await profilePost(acme, session, { intent: "recovery-codes", code: codeAt(secret, currentStep() - 3) });
    expect(wrong.status).toBe(400);
    // A recovery code is not a current code.
    expect((await profilePost(acme, session, { intent: "recovery-codes", code: spare! })).status).toBe(400);
    const fresh = await profilePost(acme, session, { intent: "recovery-codes", code: codeAt(secret, currentStep()) });
    expect(fresh.status).toBe(200);
    const newCodes = recoveryCodesIn(await fresh.text());
    expect(newCodes).toHaveLength(10);
    expect(newCodes).not.toContain(spare);
    expect(await activity(acme, member.id, "user.recovery_codes_regenerated")).toHaveLength(1);
    expect((await secondStep(acme, await passwordStep(acme, "recover@acme.test"), spare!)).status).toBe(401);
    expect(await signedIn(acme, await secondStep(acme, await passwordStep(acme, "recover@acme.test"), newCodes[3]!))).toBe(true);
  });
});

describe("limits and the pending state", () => {
  it("refuses every code, even the right one, once a member's wrong codes use up the limit, from any address", async () => {
    const { member, secret } = await enrolledMember(acme, "guessed@acme.test");
    const pending = await passwordStep(acme, "guessed@acme.test");
    await awayFromStepEdge();
    for (let attempt = 0; attempt < CODE_FAILURES_ALLOWED; attempt++) {
      expect((await secondStep(acme, pending, codeAt(secret, currentStep() + 5 + attempt))).status).toBe(401);
    }
    const refused = await secondStep(acme, pending, codeAt(secret, currentStep()));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toContain("Too many wrong codes");
    expect(cookieFrom(refused, SESSION)).toBeNull();
    // A new pending state (the password again) does not reset the member's count.
    expect((await secondStep(acme, await passwordStep(acme, "guessed@acme.test"), codeAt(secret, currentStep()))).status).toBe(429);
    const { db, t } = platform.router.forTenant(acme);
    const [row] = await db.select().from(t.memberTotp).where(eq(t.memberTotp.userId, member.id));
    expect(row?.lastUsedStep).toBeLessThan(currentStep());
    // Another member is not affected.
    const other = await enrolledMember(acme, "unguessed@acme.test");
    expect(await signedIn(acme, await secondStep(acme, await passwordStep(acme, "unguessed@acme.test"), codeAt(other.secret, currentStep())))).toBe(true);
  });

  it("refuses an expired pending state, and one whose password changed since", async () => {
    const { member, secret } = await enrolledMember(acme, "slow@acme.test");
    const real = await passwordStep(acme, "slow@acme.test");
    const opened = openPendingSignIn(TEST_SESSION_SECRET, await pendingSignInCookie({ secureCookies: false }).parse(real));
    expect(opened).toMatchObject({ tenantId: acme.id, userId: member.id });
    const forged = async (pending: PendingSignIn) =>
      (await pendingSignInCookie({ secureCookies: false }).serialize(sealPendingSignIn(TEST_SESSION_SECRET, pending))).split(";")[0]!;

    await awayFromStepEdge();
    const expired = await secondStep(acme, await forged({ ...opened!, expiresAt: Date.now() - 1000 }), codeAt(secret, currentStep()));
    expect(expired.status).toBe(302);
    expect(expired.headers.get("location")).toBe("/login?two_factor=expired");
    expect(cookieFrom(expired, SESSION)).toBeNull();
    expect(await (await server.request(host(acme), "/login?two_factor=expired")).text()).toContain("Your sign-in was not finished in time");
    // The code was not used up by the refusal: the same state, unexpired, signs in with it.
    expect(await signedIn(acme, await secondStep(acme, await forged({ ...opened!, expiresAt: Date.now() + 60_000 }), codeAt(secret, currentStep())))).toBe(
      true,
    );

    const { db, t } = platform.router.forTenant(acme);
    const changed = await passwordStep(acme, "slow@acme.test");
    await db.update(t.users).set({ passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$changed$changed" }).where(eq(t.users.id, member.id));
    const afterChange = await secondStep(acme, changed, codeAt(secret, currentStep() + 1));
    expect(afterChange.status).toBe(302);
    expect(afterChange.headers.get("location")).toBe("/login?two_factor=expired");
    expect(cookieFrom(afterChange, SESSION)).toBeNull();
  });

  it("makes another workspace's pending state useless here, even for a member with the same id", async () => {
    // The same user id in both workspaces: ids are per schema.
    const { member: here, secret } = await enrolledMember(acme, "twin@acme.test");
    const { db, t } = platform.router.forTenant(globex);
    let there = await createMember(platform, globex, { email: "filler-0@globex.test", password: PASSWORD });
    for (let index = 1; there.id < here.id; index++) there = await createMember(platform, globex, { email: `filler-${index}@globex.test`, password: PASSWORD });
    expect(there.id).toBe(here.id);
    await db.update(t.users).set({ email: "twin@globex.test" }).where(eq(t.users.id, there.id));
    await enrolTwin(there.id);
    const globexPending = await passwordStep(globex, "twin@globex.test");

    await awayFromStepEdge();
    const crossed = await secondStep(acme, globexPending, codeAt(secret, currentStep()));
    expect(crossed.status).toBe(302);
    expect(crossed.headers.get("location")).toBe("/login?two_factor=expired");
    expect(cookieFrom(crossed, SESSION)).toBeNull();

    // Even re-sealed with this member's own password stamp, the workspace inside the seal decides.
    const acmePending = openPendingSignIn(
      TEST_SESSION_SECRET,
      await pendingSignInCookie({ secureCookies: false }).parse(await passwordStep(acme, "twin@acme.test")),
    )!;
    const resealed = (
      await pendingSignInCookie({ secureCookies: false }).serialize(sealPendingSignIn(TEST_SESSION_SECRET, { ...acmePending, tenantId: globex.id }))
    ).split(";")[0]!;
    const refused = await secondStep(acme, resealed, codeAt(secret, currentStep()));
    expect(refused.headers.get("location")).toBe("/login?two_factor=expired");
    expect(cookieFrom(refused, SESSION)).toBeNull();
    // A pending state sealed with another secret is nothing.
    const foreignSeal = (
      await pendingSignInCookie({ secureCookies: false }).serialize(sealPendingSignIn("another deployment's secret, long enough", acmePending))
    ).split(";")[0]!;
    expect((await secondStep(acme, foreignSeal, codeAt(secret, currentStep()))).headers.get("location")).toBe("/login?two_factor=expired");
  });
});

/** Turns two-factor on for a Globex member through its profile page. */
async function enrolTwin(userId: number) {
  const session = await sessionFor(platform, globex, userId);
  await profilePost(globex, session, { intent: "two-factor-start" });
  const secret = await storedSecret(globex, userId);
  await awayFromStepEdge();
  expect((await profilePost(globex, session, { intent: "two-factor-confirm", code: codeAt(secret, currentStep() - 1) })).status).toBe(200);
}

describe("turning two-factor off", () => {
  it("needs the current password and a code, then removes the secret and the recovery codes, and sign-in takes the password alone", async () => {
    const { member, session, secret } = await enrolledMember(acme, "off@acme.test");
    await awayFromStepEdge();
    const wrongPassword = await profilePost(acme, session, {
      intent: "two-factor-disable",
      currentPassword: "not my password",
      code: codeAt(secret, currentStep()),
    });
    expect(wrongPassword.status).toBe(400);
    expect(await wrongPassword.text()).toContain("That is not your current password");
    const wrongCode = await profilePost(acme, session, { intent: "two-factor-disable", currentPassword: PASSWORD, code: codeAt(secret, currentStep() - 3) });
    expect(wrongCode.status).toBe(400);
    expect((await profilePost(acme, session, { intent: "two-factor-disable", currentPassword: PASSWORD, code: "" })).status).toBe(400);
    const { db, t } = platform.router.forTenant(acme);
    expect(await db.select().from(t.memberTotp).where(eq(t.memberTotp.userId, member.id))).toHaveLength(1);
    expect(await activity(acme, member.id, "user.two_factor_disabled")).toHaveLength(0);
    // Still on: the password alone does not sign in.
    await passwordStep(acme, "off@acme.test");

    const off = await profilePost(acme, session, { intent: "two-factor-disable", currentPassword: PASSWORD, code: codeAt(secret, currentStep()) });
    expect(off.status).toBe(200);
    expect(await off.text()).toContain("Two-factor sign-in is off");
    expect(await db.select().from(t.memberTotp).where(eq(t.memberTotp.userId, member.id))).toHaveLength(0);
    expect(await db.select().from(t.memberRecoveryCodes).where(eq(t.memberRecoveryCodes.userId, member.id))).toHaveLength(0);
    expect(await activity(acme, member.id, "user.two_factor_disabled")).toMatchObject([{ actorUserId: member.id, entityType: "user" }]);

    const signIn = await server.request(host(acme), "/login", {
      method: "POST",
      body: form({ email: "off@acme.test", password: PASSWORD }),
      headers: postHeaders(origin(acme), { "x-forwarded-for": freshIp() }),
    });
    expect(signIn.status).toBe(302);
    expect(signIn.headers.get("location")).toBe("/dashboard");
    expect(await signedIn(acme, signIn)).toBe(true);
    // Each change was emailed to the member (issue 20 item 6).
    expect((await securityEmails(acme, "off@acme.test")).map((email) => email.subject)).toEqual([
      "Two-factor sign-in was turned on (Acme)",
      "Two-factor sign-in was turned off (Acme)",
    ]);
  });
});

async function securityEmails(tenant: TenantRecord, to: string) {
  const { db, t } = platform.router.forTenant(tenant);
  return db
    .select({ kind: t.outboundEmails.kind, subject: t.outboundEmails.subject, text: t.outboundEmails.textBody })
    .from(t.outboundEmails)
    .where(and(eq(t.outboundEmails.toAddress, to), inArray(t.outboundEmails.kind, ["two_factor_changed", "new_device_sign_in"])))
    .orderBy(t.outboundEmails.id);
}

describe("new-device notices", () => {
  it("emails a sign-in from a device the member has not used for 90 days, never the first sign-in or a known device", async () => {
    await createMember(platform, acme, { email: "roamer@acme.test", password: PASSWORD });
    const signInWith = async (userAgent: string) => {
      const response = await server.request(host(acme), "/login", {
        method: "POST",
        body: form({ email: "roamer@acme.test", password: PASSWORD }),
        headers: postHeaders(origin(acme), { "x-forwarded-for": freshIp(), "user-agent": userAgent }),
      });
      expect(response.status).toBe(302);
    };
    const windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
    const android = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36";
    await signInWith(windows);
    await signInWith(windows);
    expect(await securityEmails(acme, "roamer@acme.test")).toEqual([]);
    await signInWith(android);
    await signInWith(android);
    const emails = await securityEmails(acme, "roamer@acme.test");
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ kind: "new_device_sign_in", subject: expect.stringContaining("from Chrome on Android") });
    expect(emails[0]!.text).toContain("/settings/profile");
  });
});
