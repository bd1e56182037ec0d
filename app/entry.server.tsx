import { PassThrough } from "node:stream";
import type { ActionFunctionArgs, AppLoadContext, EntryContext, LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer, isRouteErrorResponse } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceContext } from "./components/nonce";
import { withRetryAfter } from "./http/database-unavailable.server";
import { unavailablePage } from "./http/static-pages.server";

// The process side (server.ts, tests/support/test-server.ts) reaches the app only through these
// exports of the server build, so a process holds one copy of each module, cache and class.
export { ConfigError } from "./config.server";
export { createConductorApp } from "./server/conductor-app.server";
export { startConductor } from "./server/conductor-process.server";

export const streamTimeout = 5_000;

export default function handleRequest(request: Request, status: number, headers: Headers, remixContext: EntryContext, loadContext: AppLoadContext) {
  // A loader or action could not reach the database: the whole document is the unavailable page, which needs no data.
  if (status === 503) {
    headers.set("Content-Type", "text/html; charset=utf-8");
    return new Response(unavailablePage(unavailableDetail(remixContext)), { status, headers: withRetryAfter(headers) });
  }
  // Bots get the whole document at once; browsers get the shell as soon as it is ready.
  const waitForAll = isbot(request.headers.get("user-agent") ?? "") || remixContext.isSpaMode;
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const nonce = loadContext.cspNonce;
    const app = (
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} nonce={nonce} />
      </NonceContext.Provider>
    );
    const { pipe, abort } = renderToPipeableStream(app, {
      nonce,
      [waitForAll ? "onAllReady" : "onShellReady"]() {
        shellRendered = true;
        const body = new PassThrough();
        headers.set("Content-Type", "text/html; charset=utf-8");
        resolve(new Response(createReadableStreamFromReadable(body), { headers, status }));
        pipe(body);
      },
      onShellError: reject,
      onError(error: unknown) {
        status = 500;
        // Errors while streaming after the shell are logged by handleError; only log shell errors here.
        if (!shellRendered) loadContext.log.error({ err: error }, "rendering the page failed");
      },
    });
    setTimeout(abort, streamTimeout + 1000);
  });
}

/** Client-side navigations and fetchers (single fetch) meet the same 503 in their ErrorBoundary; it carries Retry-After too. */
export function handleDataRequest(response: Response): Response {
  if (response.status !== 503) return response;
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: withRetryAfter(new Headers(response.headers)) });
}

/** The 503's own explanation (e.g. a workspace being moved), when a route gave one. */
function unavailableDetail({ staticHandlerContext }: EntryContext): string | undefined {
  const error = Object.values<unknown>(staticHandlerContext.errors ?? {}).find((value) => isRouteErrorResponse(value) && value.status === 503);
  return isRouteErrorResponse(error) && typeof error.data === "string" && error.data.length > 0 && error.data.length < 300 ? error.data : undefined;
}

/** Unexpected errors only: a 404 for an unknown path or an aborted request is not worth a stack trace. */
export function handleError(error: unknown, { request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  if (request.signal.aborted) return;
  if (isRouteErrorResponse(error) && error.status < 500) return;
  context.log.error({ err: error }, "a loader or action failed");
}
