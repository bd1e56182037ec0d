import type { NextFunction, Request, Response } from "express";
import { refuse } from "./refusal.server";

export type RequestPath = {
  /** Percent-decoded, as Remix's router matches it. */
  pathname: string;
  /** `/api/*`: bearer tokens, JSON errors, the API's body limit. */
  isApi: boolean;
};

const API_PREFIX = /^\/api(?:\/|$)/;

/**
 * Reads a request target the one way that every middleware and the router share, or says why it
 * cannot. Remix routes the WHATWG-normalised, percent-decoded URL while Express's `req.path` is the
 * raw text, so `/api/%2e%2e/settings` was an API path to one and `/settings` to the other. Instead
 * of normalising, a target that two readers could read differently is refused: dot segments (raw
 * or encoded), backslashes, encoded slashes, NUL and other control characters, empty segments,
 * malformed percent-encoding, and `/api` spelt other than literally. What is left means the same
 * to Express, to the WHATWG URL parser and to Remix.
 */
export function readRequestPath(target: string): RequestPath | { problem: string } {
  if (!target.startsWith("/")) return { problem: "The request target must be a path that starts with /." };
  if (/[^\x21-\x7e]|[\\#]/.test(target)) return { problem: "The address contains a backslash, a space, a control or non-ASCII character, or a #." };
  const queryAt = target.indexOf("?");
  const raw = queryAt === -1 ? target : target.slice(0, queryAt);
  if (/%(?![0-9a-f]{2})/i.test(raw)) return { problem: "The path contains a % that does not start a percent-encoded byte." };
  if (/%(?:2f|5c|00)/i.test(raw)) return { problem: "The path contains an encoded slash, backslash or NUL." };
  let pathname: string;
  try {
    pathname = decodeURIComponent(raw);
  } catch {
    return { problem: "The path's percent-encoding is not UTF-8." };
  }
  if (/[\x00-\x1f\x7f]/.test(pathname)) return { problem: "The path contains a control character." };
  const segments = pathname.split("/").slice(1);
  if (segments.some((segment) => segment === "." || segment === "..")) return { problem: "The path contains a . or .. segment." };
  if (segments.slice(0, -1).includes("")) return { problem: "The path contains an empty segment (//)." };
  if (API_PREFIX.test(pathname.toLowerCase()) && !API_PREFIX.test(raw)) return { problem: "Write /api in lowercase letters, without percent-encoding." };
  return { pathname, isApi: raw.startsWith("/api/") };
}

/** Refuses an ambiguous request target with 400 before anything else looks at it; see readRequestPath. */
export function canonicalRequestPath() {
  return (req: Request, res: Response, next: NextFunction) => {
    const path = readRequestPath(req.originalUrl);
    if ("problem" in path) {
      return refuse(res, {
        status: 400,
        code: "bad_request_path",
        title: "This address is not valid",
        message: `${path.problem} Check the address and try again.`,
        json: req.originalUrl.toLowerCase().startsWith("/api"),
      });
    }
    res.locals.requestPath = path;
    next();
  };
}

/** The request's path as canonicalRequestPath read it; the one answer to "which path is this?". */
export function requestPathOf(res: Response): RequestPath {
  const path = res.locals.requestPath as RequestPath | undefined;
  if (!path) throw new Error("canonicalRequestPath() must run before any middleware that looks at the request path");
  return path;
}

export const isApiRequest = (res: Response): boolean => requestPathOf(res).isApi;
