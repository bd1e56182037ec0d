import http from "node:http";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { createMember, form, postHeaders, sessionFor } from "../support/auth";
import { createTestTenant, openTestPlatform } from "../support/test-platform";
import { startTestServer, type TestServer } from "../support/test-server";

const MB = 1024 * 1024;
const INBOUND_SECRET = "inbound-secret-for-body-limit-tests";
const platform = openTestPlatform();
let server: TestServer;
let smallLimitServer: TestServer;
let acme: TenantRecord;
let memberId: number;
let session: { cookie: string; csrf: string };

beforeAll(async () => {
  acme = await createTestTenant(platform);
  memberId = (await createMember(platform, acme, { email: "agent@bodies.test", name: "Original Name" })).id;
  session = await sessionFor(platform, acme, memberId);
  server = await startTestServer(platform, { env: { INBOUND_SECRET, INBOUND_MAX_BYTES: String(3 * MB) } });
  smallLimitServer = await startTestServer(platform, { env: { MAX_BODY_BYTES: String(64 * 1024) } });
});
afterAll(async () => {
  await server.close();
  await smallLimitServer.close();
  await platform.close();
});

const host = () => `${acme.slug}.localhost`;

type Outcome = { status: number | null; headers: http.IncomingHttpHeaders; body: string; sentBytes: number; peakRssGrowth: number; error: string | null };

/**
 * One POST over a real socket. With `declaredBytes` it sends only the headers (Content-Length
 * says that much is coming) and stops at the answer; with `body` it sends that; otherwise it
 * streams `streamBytes` chunked, as fast as the server reads, and keeps sending after an answer
 * until the server hangs up. Samples this process's RSS (the server runs in it) all along.
 */
function post(
  target: TestServer,
  path: string,
  { headers = {}, declaredBytes, streamBytes = 0, body }: { headers?: Record<string, string>; declaredBytes?: number; streamBytes?: number; body?: string },
): Promise<Outcome> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  return new Promise((resolve) => {
    let sentBytes = 0;
    let answered = false;
    let outcome: Omit<Outcome, "sentBytes" | "peakRssGrowth"> = { status: null, headers: {}, body: "", error: null };
    const finish = () => {
      clearInterval(sampler);
      clearTimeout(deadline);
      resolve({ ...outcome, sentBytes, peakRssGrowth: peak - baseline });
    };
    const requestHeaders: Record<string, string> = {
      host: host(),
      origin: `http://${host()}`,
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    };
    if (declaredBytes !== undefined) requestHeaders["content-length"] = String(declaredBytes);
    else if (body !== undefined) requestHeaders["content-length"] = String(Buffer.byteLength(body));
    else requestHeaders["transfer-encoding"] = "chunked";
    const request = http.request({ host: "127.0.0.1", port: target.port, path, method: "POST", headers: requestHeaders, agent: false });
    // No answer in time is the failure this guards against: the server buffering the body.
    const deadline = setTimeout(() => {
      outcome.error ??= "no answer within 10 s";
      request.destroy();
    }, 10_000);
    request.on("response", (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        outcome = { ...outcome, status: response.statusCode ?? null, headers: response.headers, body: Buffer.concat(chunks).toString() };
        if (declaredBytes !== undefined) request.destroy();
      });
    });
    request.on("error", (error: NodeJS.ErrnoException) => (outcome.error ??= answered ? null : (error.code ?? error.message)));
    request.on("close", finish);
    if (declaredBytes !== undefined) return void request.flushHeaders();
    if (body !== undefined) return void request.end(body);
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (!request.destroyed && sentBytes < streamBytes) {
        sentBytes += chunk.length;
        if (!request.write(chunk)) return void request.once("drain", pump);
      }
      if (!request.destroyed) request.end();
    };
    request.write("intent=rename&name=");
    pump();
  });
}

async function memberName() {
  const { db, t } = platform.router.forTenant(acme);
  return (await db.select({ name: t.users.name }).from(t.users).where(eq(t.users.id, memberId)))[0]!.name;
}

/** A valid rename form of exactly `bytes` bytes, padded with a field the action ignores. */
function renameForm(name: string, bytes: number): string {
  const fields = form({ intent: "rename", name, csrf: session.csrf });
  return `${fields}&padding=${"p".repeat(bytes - fields.length - "&padding=".length)}`;
}

const signedInHeaders = () => postHeaders(`http://${host()}`, { cookie: session.cookie });

describe("every request body is capped before it is buffered (issue 11, hole 3)", () => {
  it("answers a declared Content-Length over the limit with 413 at once, before the body is sent", async () => {
    const portal = await post(server, "/portal/new", { declaredBytes: 150 * MB });
    expect(portal.error).toBeNull();
    expect(portal.status).toBe(413);
    expect(portal.sentBytes).toBe(0);
    expect(portal.headers["content-type"]).toContain("text/html");
    expect(portal.headers.connection).toBe("close");
    expect(portal.body).toContain("more than 1 MB");

    const api = await post(server, "/api/tickets", { declaredBytes: 150 * MB, headers: { "content-type": "application/json" } });
    expect(api.status).toBe(413);
    expect(JSON.parse(api.body)).toEqual({
      error: { code: "payload_too_large", message: "The request body is larger than 1 MB.", details: { limitBytes: MB } },
    });

    // Inbound mail keeps its own, larger limit (INBOUND_MAX_BYTES, here 3 MB).
    const inbound = await post(server, "/inbound/email", {
      declaredBytes: 4 * MB,
      headers: { authorization: `Bearer ${INBOUND_SECRET}`, "content-type": "message/rfc822" },
    });
    expect(inbound.status).toBe(413);
    expect(JSON.parse(inbound.body).error).toMatchObject({ code: "payload_too_large", details: { limitBytes: 3 * MB } });
  });

  it("counts a chunked body as it streams: 413 once past the limit, the server stops reading, memory stays flat", async () => {
    const total = 100 * MB;
    const portal = await post(server, "/portal/new", { streamBytes: total });
    expect(portal.status).toBe(413);
    expect(portal.body).toContain("more than 1 MB");
    // Socket buffers let a few MB more through before the hang-up reaches the client.
    expect(portal.sentBytes).toBeLessThan(16 * MB);
    expect(portal.peakRssGrowth).toBeLessThan(48 * MB);

    const signedIn = await post(server, "/settings/profile", { streamBytes: total, headers: signedInHeaders() });
    expect(signedIn.status).toBe(413);
    expect(signedIn.sentBytes).toBeLessThan(16 * MB);
    expect(await memberName()).toBe("Original Name");

    const api = await post(server, "/api/tickets", { streamBytes: total, headers: { "content-type": "application/json" } });
    expect(api.status).toBe(413);
    expect(JSON.parse(api.body).error.code).toBe("payload_too_large");
    expect(api.sentBytes).toBeLessThan(16 * MB);

    // The server is fine afterwards.
    expect((await server.request(host(), "/healthz")).status).toBe(200);
  });

  it("still takes a form just under the limit, and refuses one just over it", async () => {
    const under = await post(server, "/settings/profile", { body: renameForm("Under The Limit", MB - 1024), headers: signedInHeaders() });
    expect(under.status).toBe(200);
    expect(await memberName()).toBe("Under The Limit");

    const over = await post(server, "/settings/profile", { body: renameForm("Over The Limit", MB + 1024), headers: signedInHeaders() });
    expect(over.status).toBe(413);
    expect(await memberName()).toBe("Under The Limit");
  });

  it("takes MAX_BODY_BYTES for pages, declared or streamed", async () => {
    const under = await post(smallLimitServer, "/settings/profile", { body: renameForm("Small Limit", 60 * 1024), headers: signedInHeaders() });
    expect(under.status).toBe(200);
    expect(await memberName()).toBe("Small Limit");
    const declared = await post(smallLimitServer, "/settings/profile", { body: renameForm("Declared Over", 70 * 1024), headers: signedInHeaders() });
    expect(declared.status).toBe(413);
    expect(declared.body).toContain("more than 64 KB");
    const streamed = await post(smallLimitServer, "/settings/profile", { streamBytes: 70 * 1024, headers: signedInHeaders() });
    expect(streamed.status).toBe(413);
    expect(await memberName()).toBe("Small Limit");
  });

  it("lets inbound mail over the page limit through, up to INBOUND_MAX_BYTES", async () => {
    const raw = `From: Wile <wile@desert.example>\r\nTo: support@example.com\r\nSubject: Big\r\nMessage-ID: <big-${Date.now()}@desert.example>\r\n\r\n${"x".repeat(2 * MB)}\r\n`;
    const accepted = await post(server, "/inbound/email", {
      body: raw,
      headers: { authorization: `Bearer ${INBOUND_SECRET}`, "content-type": "message/rfc822" },
    });
    expect(accepted.status).toBe(202);
    const streamed = await post(server, "/inbound/email", {
      streamBytes: 8 * MB,
      headers: { authorization: `Bearer ${INBOUND_SECRET}`, "content-type": "message/rfc822" },
    });
    expect(streamed, JSON.stringify(streamed)).toMatchObject({ status: 413 });
    expect(streamed.sentBytes).toBeLessThan(16 * MB);
  });
});
