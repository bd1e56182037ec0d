import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { TenantHandle } from "../../tenancy/connection-router";
import { recordActivity } from "../activity/activity-log.server";
import { memberColumns } from "../team/member-queries.server";
import type { CurrentUser } from "./current-user";
import { hashToken, randomToken } from "./tokens.server";

const TOKEN_PREFIX = "cdr_";

export type ApiTokenSummary = { id: number; name: string; tokenPrefix: string; lastUsedAt: Date | null; createdAt: Date };

/** Creates a personal API token; the secret is returned once and only its hash is kept. */
export async function createApiToken(handle: TenantHandle, user: CurrentUser, name: string): Promise<{ token: string; summary: ApiTokenSummary }> {
  const token = `${TOKEN_PREFIX}${randomToken()}`;
  return handle.transaction(async (tx) => {
    const { t } = handle;
    const [row] = await tx
      .insert(t.apiTokens)
      .values({ userId: user.id, name, tokenHash: hashToken(token), tokenPrefix: token.slice(0, 10) })
      .returning({
        id: t.apiTokens.id,
        name: t.apiTokens.name,
        tokenPrefix: t.apiTokens.tokenPrefix,
        lastUsedAt: t.apiTokens.lastUsedAt,
        createdAt: t.apiTokens.createdAt,
      });
    await recordActivity(tx, t, {
      actorType: "agent",
      actorUserId: user.id,
      action: "api_token.created",
      entityType: "api_token",
      entityId: row!.id,
      changes: { name: { from: null, to: name } },
    });
    return { token, summary: row! };
  });
}

export async function listApiTokens({ db, t }: TenantHandle, userId: number): Promise<ApiTokenSummary[]> {
  return db
    .select({
      id: t.apiTokens.id,
      name: t.apiTokens.name,
      tokenPrefix: t.apiTokens.tokenPrefix,
      lastUsedAt: t.apiTokens.lastUsedAt,
      createdAt: t.apiTokens.createdAt,
    })
    .from(t.apiTokens)
    .where(and(eq(t.apiTokens.userId, userId), isNull(t.apiTokens.revokedAt)))
    .orderBy(desc(t.apiTokens.createdAt));
}

/** Revokes one of the user's own tokens; false when there is no such live token of theirs. */
export async function revokeApiToken(handle: TenantHandle, user: CurrentUser, tokenId: number): Promise<boolean> {
  return handle.transaction(async (tx) => {
    const { t } = handle;
    const revoked = await tx
      .update(t.apiTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(t.apiTokens.id, tokenId), eq(t.apiTokens.userId, user.id), isNull(t.apiTokens.revokedAt)))
      .returning({ name: t.apiTokens.name });
    if (revoked.length === 0) return false;
    await recordActivity(tx, t, {
      actorType: "agent",
      actorUserId: user.id,
      action: "api_token.revoked",
      entityType: "api_token",
      entityId: tokenId,
      changes: { name: { from: revoked[0]!.name, to: null } },
    });
    return true;
  });
}

/** The user behind a bearer token, if the token is live and its user active. Records last use at most once a minute. */
export async function authenticateApiToken({ db, t }: TenantHandle, token: string): Promise<{ user: CurrentUser; tokenId: number } | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const [row] = await db
    .select({
      tokenId: t.apiTokens.id,
      stale: sql<boolean>`${t.apiTokens.lastUsedAt} IS NULL OR ${t.apiTokens.lastUsedAt} < now() - interval '1 minute'`,
      user: memberColumns(t),
    })
    .from(t.apiTokens)
    .innerJoin(t.users, eq(t.users.id, t.apiTokens.userId))
    .where(and(eq(t.apiTokens.tokenHash, hashToken(token)), isNull(t.apiTokens.revokedAt), eq(t.users.active, true)))
    .limit(1);
  if (!row) return null;
  if (row.stale)
    await db
      .update(t.apiTokens)
      .set({ lastUsedAt: sql`now()` })
      .where(eq(t.apiTokens.id, row.tokenId));
  return { user: row.user, tokenId: row.tokenId };
}
