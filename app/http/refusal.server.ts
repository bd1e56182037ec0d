import type { Response } from "express";

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

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function refusalPage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Conductor</title>
<style>body { font-family: ui-sans-serif, system-ui, sans-serif; max-width: 36rem; margin: 15vh auto; padding: 0 1.5rem; color: #1f2937; line-height: 1.55; }</style>
</head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}
