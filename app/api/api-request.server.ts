import type * as z from "zod";
import { notFound } from "../app-error";
import { routeParam, rowIdParam, ticketNumberParam as ticketNumberSchema } from "../route-params";
import { apiError } from "./api-error.server";

/**
 * The most an `/api` request may send. The HTTP layer enforces it before the route runs (413
 * `payload_too_large`, by Content-Length or by the bytes that arrive); readJsonBody checks again.
 */
export const JSON_BODY_LIMIT = 1024 * 1024;

export type ApiMethod = "GET" | "POST" | "PATCH" | "DELETE";

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
export const ticketNumberParam = (value: string | undefined): number => routeParam(ticketNumberSchema, value, () => notFound(`Ticket #${value ?? ""}`));

export const customerIdParam = (value: string | undefined): number => routeParam(rowIdParam, value, () => notFound("That customer"));

/**
 * Reads a JSON request body and validates it with `schema` (a ZodError becomes a 400 in the route
 * wrapper). Refuses other media types (415), bodies over JSON_BODY_LIMIT (413), and text that is
 * not UTF-8 JSON (400). The body has already been read within the limit by the HTTP layer.
 */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  const [mediaType = "", ...parameters] = (request.headers.get("content-type") ?? "").split(";").map((part) => part.trim().toLowerCase());
  const charset = parameters
    .find((parameter) => parameter.startsWith("charset="))
    ?.slice("charset=".length)
    .replace(/"/g, "");
  if (!/^application\/(?:[\w.-]+\+)?json$/.test(mediaType) || (charset !== undefined && charset !== "utf-8" && charset !== "utf8")) {
    throw apiError(415, "unsupported_media_type", "Send the body as JSON, with the header Content-Type: application/json.", {
      contentType: request.headers.get("content-type"),
    });
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > JSON_BODY_LIMIT) throw tooLarge();
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

const tooLarge = () =>
  apiError(413, "payload_too_large", `The request body is larger than ${JSON_BODY_LIMIT / 1024 / 1024} MB.`, { limitBytes: JSON_BODY_LIMIT });

/** 201 with the new resource and where it lives. */
export function created(location: string, body: unknown): Response {
  return Response.json(body, { status: 201, headers: { Location: location } });
}
