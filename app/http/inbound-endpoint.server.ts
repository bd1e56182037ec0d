import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import type { InboundSettings } from "../inbound/inbound-routing.server";
import { storeInboundEmail } from "../inbound/inbound-store.server";
import { readBodyWithinLimit } from "./request-body-limit.server";

export const INBOUND_EMAIL_PATH = "/inbound/email";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Compares hashes, so neither the content nor the length of the secret leaks through timing. */
function secretMatches(header: string | undefined, secret: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(secret));
}

const fail = (res: Response, status: number, code: string, message: string) => res.status(status).json({ error: { code, message, details: null } });

/**
 * `POST /inbound/email` on a tenant's host: a raw RFC 822 message from a mail provider's forwarding
 * hook. Mounted after tenant resolution and before the origin check and session authentication:
 * it carries no cookie and no browser Origin, and its only credential is the shared secret. The
 * body is read only after the secret matched, within INBOUND_MAX_BYTES (see requestBodyLimit).
 */
export function inboundEndpoint({ platform, settings }: { platform: Platform; settings: Pick<InboundSettings, "secret"> }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const { secret } = settings;
    if (!secret) return res.status(404).type("text/plain").send("Not found");
    if (!secretMatches(req.headers.authorization, secret)) return fail(res, 401, "invalid_secret", "The inbound email secret is missing or wrong.");
    readBodyWithinLimit(req, res)
      .then(async (raw) => {
        if (raw === null) return; // over INBOUND_MAX_BYTES (answered 413), or the client went away
        if (raw.length === 0) return fail(res, 400, "empty", "Send the raw message (message/rfc822) as the request body.");
        const tenant = res.locals.tenant as TenantRecord;
        const stored = await storeInboundEmail(platform, tenant, { raw, via: "http", envelopeFrom: null, envelopeTo: [] });
        req.log?.info({ tenant: tenant.slug, inboundEmailId: stored.id, sizeBytes: raw.length, duplicate: stored.duplicate }, "inbound email accepted (HTTP)");
        res.status(202).json({ id: stored.id, duplicate: stored.duplicate });
      })
      .catch(next);
  };
}
