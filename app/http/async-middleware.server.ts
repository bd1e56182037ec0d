import type { NextFunction, Request, RequestHandler, Response } from "express";

/**
 * Express 4 ignores the promise a handler returns, so a rejection would go unhandled (and end the
 * process); this hands it to the error middleware instead, as Express 5 does.
 */
export function asyncMiddleware(handler: (req: Request, res: Response, next: NextFunction) => Promise<unknown>): RequestHandler {
  return (req, res, next) => {
    handler(req, res, next).catch(next);
  };
}
