import type { NextFunction, Request, Response } from "express";
import type { RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import { clientKey } from "../net/client-address.server";
import { isApiRequest } from "./request-path.server";
import { asyncMiddleware } from "./async-middleware.server";

/** A ceiling on requests per client (IPv4 address or IPv6 /64) per minute, for every route behind it. */
export function globalRateLimit(limiter: RateLimiterAbstract) {
  return asyncMiddleware(async (req: Request, res: Response, next: NextFunction) => {
    try {
      await limiter.consume(clientKey(req.ip));
      next();
    } catch (rejection) {
      if (rejection instanceof Error) return next(rejection);
      const retryAfter = Math.max(1, Math.ceil((rejection as RateLimiterRes).msBeforeNext / 1000));
      res.set("Retry-After", String(retryAfter));
      const message = `Too many requests from your address. Try again in ${retryAfter} s.`;
      if (isApiRequest(res)) return res.status(429).json({ error: { code: "rate_limited", message, details: { retryAfterSeconds: retryAfter } } });
      res.status(429).type("text/plain").send(message);
    }
  });
}
