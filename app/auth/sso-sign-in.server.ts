import type { AppLoadContext } from "@remix-run/node";
import { and, eq, inArray, sql } from "drizzle-orm";
import { recordActivity } from "../activity/activity-log.server";
import { createUserFromInvite, pendingInviteForEmail } from "../team/invites.server";
import { memberColumns, memberEmailIs } from "../team/member-queries.server";
import type { CurrentUser } from "./current-user";
import { ssoRefused, type VerifiedIdentity } from "./oidc.server";
import { signInSession } from "./sessions.server";
import type { SsoConfiguration } from "./sso-settings.server";

/**
 * Finds the member for a verified SSO identity, keyed by (issuer, subject). A new identity is linked
 * to an account only through an admin's explicit choice of that email (an invite, or the member
 * the operator created) and only when the provider says the email is verified; otherwise a new
 * agent is created when the workspace allows it. Never by email alone.
 */
export async function signInWithSso(
  context: AppLoadContext,
  config: SsoConfiguration,
  identity: VerifiedIdentity,
  userAgent: string | null,
): Promise<{ user: CurrentUser; token: string }> {
  const handle = context.db;
  const { t } = handle;
  const user = await handle.transaction(async (tx) => {
    const [linked] = await tx
      .select({ ...memberColumns(t), active: t.users.active })
      .from(t.ssoIdentities)
      .innerJoin(t.users, eq(t.users.id, t.ssoIdentities.userId))
      .where(and(eq(t.ssoIdentities.issuer, identity.issuer), eq(t.ssoIdentities.subject, identity.subject)))
      .limit(1);
    if (linked) {
      if (!linked.active) throw ssoRefused("sso_account_deactivated");
      await tx
        .update(t.ssoIdentities)
        .set({ lastSignInAt: sql`now()`, email: identity.email })
        .where(and(eq(t.ssoIdentities.issuer, identity.issuer), eq(t.ssoIdentities.subject, identity.subject)));
      const { active: _active, ...member } = linked;
      return member;
    }

    if (!identity.email) throw ssoRefused("sso_email_missing");
    if (!identity.emailVerified) throw ssoRefused("sso_email_unverified");
    const domain = identity.email.split("@")[1] ?? "";
    if (config.allowedDomains.length > 0 && !config.allowedDomains.includes(domain)) {
      throw ssoRefused("sso_domain_not_allowed", `Sign-in with ${domain} addresses is not allowed in this workspace.`);
    }

    let member: CurrentUser | null = null;
    const [existing] = await tx
      .select({ ...memberColumns(t), active: t.users.active })
      .from(t.users)
      .where(and(memberEmailIs(t, identity.email), inArray(t.users.origin, ["invite", "provisioning"])))
      .limit(1)
      .for("update");
    if (existing) {
      if (!existing.active) throw ssoRefused("sso_account_deactivated");
      const { active: _active, ...rest } = existing;
      member = rest;
    } else {
      const invite = await pendingInviteForEmail(tx, t, identity.email);
      if (invite) {
        member = await createUserFromInvite(tx, t, invite, { name: identity.name ?? identity.email, passwordHash: null });
        await recordActivity(tx, t, {
          actorType: "agent",
          actorUserId: member.id,
          action: "invite.accepted",
          entityType: "user",
          entityId: member.id,
          changes: { method: { from: null, to: "sso" } },
        });
      } else if (config.autoCreateUsers) {
        const [taken] = await tx.select({ id: t.users.id }).from(t.users).where(memberEmailIs(t, identity.email)).limit(1);
        if (taken) throw ssoRefused("sso_account_not_sso");
        const [created] = await tx
          .insert(t.users)
          .values({ email: identity.email, name: identity.name ?? identity.email, role: "agent", origin: "sso" })
          .returning(memberColumns(t));
        member = created!;
        await recordActivity(tx, t, {
          actorType: "system",
          action: "user.created",
          entityType: "user",
          entityId: member.id,
          changes: { method: { from: null, to: "sso" }, role: { from: null, to: "agent" } },
        });
      }
    }
    if (!member) throw ssoRefused("sso_no_account");
    await tx
      .insert(t.ssoIdentities)
      .values({ userId: member.id, issuer: identity.issuer, subject: identity.subject, email: identity.email, lastSignInAt: sql`now()` });
    return member;
  });

  return signInSession(context, user, "sso", userAgent);
}
