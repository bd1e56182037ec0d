import type { Response } from "express";
import { refusalPage } from "./static-pages.server";

export type Refusal = {
  status: 400 | 413;
  code: string;
  title: string;
  message: string;
  details?: unknown;
  /** `/api/*` and machine endpoints get the API's JSON error; pages a small HTML page. */
  json: boolean;
};

/** Answers a request that the HTTP layer refuses before any route runs. */
export function refuse(res: Response, refusal: Refusal): void {
  const { contentType, body } = refusalBody(refusal);
  res.status(refusal.status).type(contentType).send(body);
}

/** The answer's media type and text: `{ error: { code, message, details } }` or a short HTML page. */
export function refusalBody({ code, title, message, details = null, json }: Refusal): { contentType: string; body: string } {
  if (json) return { contentType: "application/json; charset=utf-8", body: JSON.stringify({ error: { code, message, details } }) };
  return { contentType: "text/html; charset=utf-8", body: refusalPage(title, message) };
}
