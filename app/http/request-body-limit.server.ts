import type { NextFunction, Request, Response } from "express";
import { refusalBody } from "./refusal.server";
import { requestPathOf } from "./request-path.server";

export type BodyLimits = {
  /** Pages and the portal (MAX_BODY_BYTES). */
  pageBytes: number;
  /** `/api/*`. */
  apiBytes: number;
  /** `POST /inbound/email` (INBOUND_MAX_BYTES). */
  inboundBytes: number;
  inboundPath: string;
};

type BodyLimit = { maxBytes: number; json: boolean };

/**
 * After a 413 the client may still be sending. Hanging up at once would reset the connection with
 * its data unread, and many clients then lose the answer; so what still arrives is read and
 * dropped, up to these bounds, before the connection closes.
 */
const LINGER_BYTES = 4 * 1024 * 1024;
const LINGER_MS = 1000;

/**
 * Decides, once per request, how large its body may be, and refuses a declared Content-Length over
 * that with 413 before a byte of it is read. Bodies without Content-Length (chunked) are held to
 * the same number by readBodyWithinLimit, the only way a body is read.
 */
export function requestBodyLimit(limits: BodyLimits) {
  return (req: Request, res: Response, next: NextFunction) => {
    const { pathname, isApi } = requestPathOf(res);
    const limit: BodyLimit = isApi
      ? { maxBytes: limits.apiBytes, json: true }
      : req.method === "POST" && pathname === limits.inboundPath
        ? { maxBytes: limits.inboundBytes, json: true }
        : { maxBytes: limits.pageBytes, json: false };
    res.locals.bodyLimit = limit;
    const declared = req.headers["content-length"];
    // Node has already refused a Content-Length that is not a plain number.
    if (declared !== undefined && Number(declared) > limit.maxBytes) return refuseTooLarge(req, res, limit);
    next();
  };
}

/**
 * Reads the whole request body, counting the bytes as they arrive. Past the request's limit it
 * answers 413, keeps nothing more, hangs up once the client has had the answer (see LINGER_BYTES)
 * and resolves null; nothing beyond the limit is ever held in memory. It resolves null too when
 * the client goes away first: then there is nobody to answer.
 */
export function readBodyWithinLimit(req: Request, res: Response): Promise<Buffer<ArrayBuffer> | null> {
  const limit = res.locals.bodyLimit as BodyLimit | undefined;
  if (!limit) return Promise.reject(new Error("requestBodyLimit() must run before a body is read"));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit.maxBytes) return void chunks.push(chunk);
      stop();
      chunks.length = 0;
      refuseTooLarge(req, res, limit);
      resolve(null);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onGone = () => {
      stop();
      chunks.length = 0;
      resolve(null);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("close", onGone);
  });
}

function refuseTooLarge(req: Request, res: Response, limit: BodyLimit): void {
  req.log?.warn({ limitBytes: limit.maxBytes, contentLength: req.headers["content-length"] ?? null }, "request body over the limit refused");
  const { contentType, body } = refusalBody({
    status: 413,
    code: "payload_too_large",
    title: "That was too much to send",
    message: limit.json
      ? `The request body is larger than ${describeBytes(limit.maxBytes)}.`
      : `The form sent more than ${describeBytes(limit.maxBytes)}, the most this server accepts in one request. Go back, shorten what you entered and send it again.`,
    details: { limitBytes: limit.maxBytes },
    json: limit.json,
  });
  // The whole answer goes out now; the response ends (and the connection closes) after the linger.
  // no-transform: compression would hold the answer back until then.
  res.writeHead(413, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store, no-transform",
    Connection: "close",
  });
  res.write(body);
  let dropped = 0;
  const hangUp = () => {
    clearTimeout(timer);
    req.off("data", drop);
    req.off("end", hangUp);
    res.end();
  };
  const drop = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) hangUp();
  };
  const timer = setTimeout(hangUp, LINGER_MS);
  req.on("data", drop);
  req.on("end", hangUp);
  req.resume();
}

function describeBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (Number.isInteger(mb)) return `${mb} MB`;
  const kb = bytes / 1024;
  return Number.isInteger(kb) ? `${kb} KB` : `${bytes} bytes`;
}
