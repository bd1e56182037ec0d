import type { TestServer } from "./test-server";

export type ApiCredentials = { token: string } | { cookie: string; csrf: string } | null;
// `any`: tests read whatever JSON came back and assert its shape themselves.
export type ApiResponse = { status: number; headers: Headers; body: any };

/**
 * One JSON request as a client would send it: a bearer token, or the session cookie with its CSRF
 * header and a same-origin Origin. A string body is sent as is (for malformed-JSON tests).
 */
export async function apiCall(
  server: TestServer,
  tenant: { slug: string },
  credentials: ApiCredentials,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const host = `${tenant.slug}.localhost`;
  const sent: Record<string, string> = { origin: `http://${host}` };
  if (credentials && "token" in credentials) sent.authorization = `Bearer ${credentials.token}`;
  if (credentials && "cookie" in credentials) Object.assign(sent, { cookie: credentials.cookie, "x-csrf-token": credentials.csrf });
  if (body !== undefined) sent["content-type"] = "application/json";
  const response = await server.request(host, path, {
    method,
    headers: { ...sent, ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}
