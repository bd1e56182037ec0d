import type { NextFunction, Request, Response } from "express";
import type { TenantRecord } from "../../tenancy/tenant-record";
import type { ConnectionRouter } from "../../tenancy/connection-router";
import { authenticateApiToken } from "../auth/api-tokens.server";
import type { AuthSettings } from "../auth/auth-settings.server";
import { csrfTokenFor } from "../auth/csrf.server";
import type { RequestAuth } from "../auth/current-user";
import { sessionCookie } from "../auth/session-cookie.server";
import { findActiveSession } from "../auth/sessions.server";
import { isApiRequest } from "./request-path.server";
import { asyncMiddleware } from "./async-middleware.server";

/**
 * Works out who is asking, once per request: a bearer token on `/api/*`, else the session cookie.
 * Sets `res.locals.auth` (null when anonymous). A bad bearer token is a 401, never anonymous access.
 * "Is this /api?" is canonicalRequestPath's answer, the path Remix routes: a token opens nothing else.
 */
export function authentication({ router, settings }: { router: ConnectionRouter; settings: AuthSettings }) {
  const cookie = sessionCookie(settings);
  return asyncMiddleware(async (req: Request, res: Response, next: NextFunction) => {
    const tenant = res.locals.tenant as TenantRecord;
    const handle = router.forTenant(tenant);
    res.locals.auth = null;
    try {
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
      if (bearer && isApiRequest(res)) {
        const found = await authenticateApiToken(handle, bearer);
        if (!found) {
          return res
            .status(401)
            .json({ error: { code: "invalid_token", message: "This API token is unknown, revoked, or its user is deactivated.", details: null } });
        }
        res.locals.auth = { via: "token", user: found.user, tokenId: found.tokenId } satisfies RequestAuth;
        return next();
      }
      const token: unknown = await cookie.parse(req.headers.cookie ?? null);
      if (typeof token === "string" && token.length > 0) {
        const found = await findActiveSession(handle, token, settings);
        if (found) {
          res.locals.auth = {
            via: "session",
            user: found.user,
            sessionId: found.sessionId,
            csrfToken: csrfTokenFor(settings.sessionSecret, found.sessionId),
          } satisfies RequestAuth;
        }
      }
      next();
    } catch (error) {
      next(error);
    }
  });
}
