// The adapter's own helpers (not re-exported by the package's index), so URLs, headers, the abort
// signal and the response are handled exactly as `createRequestHandler` handles them.
import { createRemixRequest, sendRemixResponse } from "@remix-run/express/dist/server.js";
import { createRequestHandler, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import type { Request as ExpressRequest, Response as ExpressResponse, NextFunction } from "express";
import { readBodyWithinLimit } from "./request-body-limit.server";
import { asyncMiddleware } from "./async-middleware.server";

type Options = {
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: string;
  getLoadContext: (req: ExpressRequest, res: ExpressResponse) => AppLoadContext;
};

/**
 * `@remix-run/express`'s handler, except that Remix gets the request body only after all of it has
 * arrived within the request's limit. Streaming the socket straight into Remix let `formData()`
 * buffer any size; refusing halfway through would leave an action reading a body cut short.
 */
export function remixRequestHandler({ build, mode, getLoadContext }: Options) {
  const handleRequest = createRequestHandler(build, mode);
  return asyncMiddleware(async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    try {
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const body = hasBody ? await readBodyWithinLimit(req, res) : null;
      if (hasBody && body === null) return; // refused with 413, or the client went away
      // The adapter builds the URL and headers exactly as Remix expects; only its body is swapped
      // (its own stream over `req` is left unread: `req` has ended).
      const request = createRemixRequest(req, res);
      const response = await handleRequest(
        new Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body }),
        getLoadContext(req, res),
      );
      await sendRemixResponse(res, response);
    } catch (error) {
      next(error);
    }
  });
}
