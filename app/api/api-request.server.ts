import type * as z from "zod";
import { notFound } from "../app-error";
import { apiError } from "./api-error.server";
import { customerIdSchema } from "./api-schemas";
import { ticketNumberSchema } from "../tickets/ticket-schemas";

/** Larger JSON bodies are refused with 413, whatever Content-Length claims. */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** After a 413, read (and drop) at most this much more so the answer reaches the client; then hang up. */
const DISCARD_LIMIT = 8 * JSON_BODY_LIMIT;

export type ApiMethod = "GET" | "POST" | "PATCH";

/**
 * Remix hands GET, HEAD and OPTIONS to the loader and every other method to the action. Each
 * `/api` route calls this in both with the methods it serves: OPTIONS is answered with `Allow`,
 * any other method it does not serve is a 405.
 */
export function allowMethods(request: Request, allowed: readonly ApiMethod[]): void {
  const method = request.method.toUpperCase();
  if ((allowed as readonly string[]).includes(method === "HEAD" ? "GET" : method)) return;
  const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
  if (method === "OPTIONS") throw new Response(null, { status: 204, headers: { Allow: allow } });
  throw apiError(405, "method_not_allowed", `${method} is not allowed here; this endpoint accepts ${allow}.`, { allowed }, { Allow: allow });
}

/** The query string, validated strictly: unknown parameters and repeated ones are a 400. */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S): z.output<S> {
  const values = new Map<string, string | string[]>();
  for (const [key, value] of new URL(request.url).searchParams) {
    const seen = values.get(key);
    values.set(key, seen === undefined ? value : [seen, value].flat());
  }
  return schema.parse(Object.fromEntries(values));
}

/** Path parameters that are not well-formed name nothing that exists: a plain 404, like a missing row. */
export function ticketNumberParam(value: string | undefined): number {
  const parsed = ticketNumberSchema.safeParse(value);
  if (!/^[1-9]\d{0,9}$/.test(value ?? "") || !parsed.success) throw notFound(`Ticket #${value ?? ""}`);
  return parsed.data;
}

export function customerIdParam(value: string | undefined): number {
  const parsed = customerIdSchema.safeParse(value);
  if (!/^[1-9]\d{0,15}$/.test(value ?? "") || !parsed.success) throw notFound("That customer");
  return parsed.data;
}

/**
 * Reads a JSON request body and validates it with `schema` (a ZodError becomes a 400 in the route
 * wrapper). Refuses other media types (415), bodies over JSON_BODY_LIMIT by Content-Length or by
 * the bytes actually sent (413), and text that is not UTF-8 JSON (400).
 */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  const [mediaType = "", ...parameters] = (request.headers.get("content-type") ?? "").split(";").map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith("charset="))?.slice("charset=".length).replace(/"/g, "");
  if (!/^application\/(?:[\w.-]+\+)?json$/.test(mediaType) || (charset !== undefined && charset !== "utf-8" && charset !== "utf8")) {
    discardBody(request);
    throw apiError(415, "unsupported_media_type", "Send the body as JSON, with the header Content-Type: application/json.", { contentType: request.headers.get("content-type") });
  }
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > JSON_BODY_LIMIT) {
    discardBody(request);
    throw tooLarge();
  }
  const bytes = await readAtMost(request, JSON_BODY_LIMIT);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw apiError(400, "invalid_json", "The request body is not valid UTF-8.");
  }
  if (text.trim() === "") throw apiError(400, "invalid_json", "The request body is empty; send a JSON object.");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw apiError(400, "invalid_json", "The request body is not valid JSON.", { reason: error instanceof Error ? error.message : String(error) });
  }
  return schema.parse(json);
}

const tooLarge = () => apiError(413, "payload_too_large", `The request body is larger than ${JSON_BODY_LIMIT / 1024 / 1024} MB.`, { limitBytes: JSON_BODY_LIMIT });

async function readAtMost(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      void drain(reader);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Cancelling the stream would destroy the socket before the error answer is written, so the rest
 * of a refused body is read and dropped in the background, up to a bound.
 */
function discardBody(request: Request): void {
  if (request.body && !request.bodyUsed) void drain(request.body.getReader());
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    let discarded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      discarded += value.byteLength;
      if (discarded > DISCARD_LIMIT) return void (await reader.cancel());
    }
  } catch {
    // the client went away: nothing left to drain
  }
}

/** 201 with the new resource and where it lives. */
export function created(location: string, body: unknown): Response {
  return Response.json(body, { status: 201, headers: { Location: location } });
}
