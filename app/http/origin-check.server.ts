import { TLSSocket } from "node:tls";
import type { NextFunction, Request, Response } from "express";
import { trustedForwardedValue } from "../net/client-address.server";
import { isApiRequest } from "./request-path.server";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A state-changing request must come from a page of the same origin (scheme + host, so a sibling
 * tenant's subdomain is foreign). Requests authenticated only by a bearer token carry no ambient
 * credentials and are exempt, as is any cookie-less /api call. Behind a trusted proxy the origin
 * is the scheme and host that proxy forwarded.
 */
export function originCheck() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    // Without a cookie an /api call carries no ambient credentials a foreign page could ride on
    // (a bearer token, or nothing: then it gets its 401). Pages are still checked: login CSRF has no cookie.
    if (!req.headers.cookie && isApiRequest(res)) return next();
    const host = trustedForwardedValue(req, "x-forwarded-host") ?? req.headers.host;
    const scheme = trustedForwardedValue(req, "x-forwarded-proto") ?? (req.socket instanceof TLSSocket ? "https" : "http");
    const expected = `${scheme}://${host}`.toLowerCase();
    const source = req.headers.origin ?? refererOrigin(req.headers.referer);
    if (source && source.toLowerCase() === expected) return next();
    const message = source
      ? "This request came from another site and was refused."
      : "This request did not say where it came from (no Origin header) and was refused.";
    if (isApiRequest(res)) return res.status(403).json({ error: { code: "bad_origin", message, details: null } });
    return res.status(403).type("text/plain").send(message);
  };
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}
