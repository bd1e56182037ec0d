import { readdirSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { inArray } from "drizzle-orm";
import nodemailer from "nodemailer";
import { checkSync } from "recheck";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboundEnvSchema } from "../../app/config.server";
import { MAX_BODY_CHARS } from "../../app/inbound/quoted-text.server";
import { MAX_HTML_INPUT_CHARS } from "../../app/inbound/sanitize-email-html.server";
import { buildInboundMessage } from "../../scripts/bench/inbound-mail-shapes";
import type { Platform } from "../../tenancy/platform";
import { createTenant } from "../../tenancy/provisioning";
import { prepareFirstAdmin } from "../../app/team/first-admin.server";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { startServerOnOwnDatabase, type OwnDatabaseServer } from "../support/own-database-server";
import { uniqueSlug } from "../support/test-platform";

/** The largest message the receivers accept (INBOUND_MAX_BYTES' default): its decoded text can be as long. */
const MAIL_MAX = inboundEnvSchema.parse({}).INBOUND_MAX_BYTES;
/** Node's limit on an HTTP request's headers: the most an X-Forwarded-For entry can hold. */
const HEADER_MAX = 16 * 1024;
const WELL_UNDER_A_SECOND_MS = 500;

// --- every pattern in app/ -----------------------------------------------------------------------

type Pattern = { where: string; file: string; source: string; flags: string };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.(ts|tsx)$/.test(name) ? [file] : [];
  });
}

/** Every regular expression literal in app/, and every RegExp constructor call (which must not take a variable). */
function patternsInApp(): { literals: Pattern[]; constructed: string[] } {
  const literals: Pattern[] = [];
  const constructed: string[] = [];
  for (const file of sourceFiles("app")) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText();
        const end = text.lastIndexOf("/");
        literals.push({ where: where(node), file, source: text.slice(1, end), flags: text.slice(end + 1) });
      } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === "RegExp") {
        constructed.push(`${where(node)}: ${node.getText()}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { literals, constructed };
}

/**
 * Patterns that recheck finds super-linear but that only ever see short or well-formed text. Each
 * says why; nothing from an email, a form or a search belongs here.
 */
const BOUNDED_INPUT: Array<{ file: string; source: string; why: string }> = [
  {
    file: "app/net/client-address.server.ts",
    source: "(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)$",
    why: "runs only on a string that net.isIP() accepted as IPv6: at most 45 characters",
  },
  {
    file: "app/net/client-address.server.ts",
    source: "%.*$",
    why: "runs on a client address (the socket's, or an X-Forwarded-For entry: Latin-1 without line terminators, where `.*$` matches at the first %); see the clientKey case",
  },
];

// --- functions that read user text, at the largest input they can be given ------------------------

type Input = { prefix?: string; unit: string; count: number; suffix?: string; asBuffer?: boolean };
type Case = { name: string; module: string; fn: string; input: Input };

/** `unit` repeated to fill `chars` characters between `prefix` and `suffix`. */
function filling(chars: number, unit: string, prefix = "", suffix = ""): Input {
  return { prefix, unit, count: Math.floor((chars - prefix.length - suffix.length) / unit.length), suffix };
}

const QUOTED = "app/inbound/quoted-text.server.ts";
const HTML = "app/inbound/sanitize-email-html.server.ts";
const CASES: Case[] = [
  {
    name: 'replyBody: one line "Am " + "schrieb" x N, the whole decoded size of a 25 MB email',
    module: QUOTED,
    fn: "replyBody",
    input: filling(MAIL_MAX, "schrieb", "Am "),
  },
  {
    name: "replyBody: 25 MB of lines that almost start the quoted history",
    module: QUOTED,
    fn: "replyBody",
    input: filling(MAIL_MAX, "Am x schrieb\nOn x wrote\nLe x a écrit\n-- Original Message -\n\nFrom: x\n"),
  },
  {
    name: 'stripQuotedHistory at the size it is given: "Am " + "schrieb" x N',
    module: QUOTED,
    fn: "stripQuotedHistory",
    input: filling(MAX_BODY_CHARS, "schrieb", "Am "),
  },
  {
    name: 'stripQuotedHistory: "On " + "x " x N, wrapped onto a "wrote" line',
    module: QUOTED,
    fn: "stripQuotedHistory",
    input: filling(MAX_BODY_CHARS, "x ", "On ", "\nwrote"),
  },
  { name: 'stripQuotedHistory: "Le " + "a écrit " x N', module: QUOTED, fn: "stripQuotedHistory", input: filling(MAX_BODY_CHARS, "a écrit ", "Le ") },
  {
    name: "stripQuotedHistory: a rule of dashes around a long label",
    module: QUOTED,
    fn: "stripQuotedHistory",
    input: filling(MAX_BODY_CHARS, "- ", "--", "x"),
  },
  { name: "textFromHtml: 25 MB of blanks without a line break", module: HTML, fn: "textFromHtml", input: filling(MAIL_MAX, " \t", "", "x\n") },
  { name: 'textFromHtml: "<br" and 25 MB of spaces', module: HTML, fn: "textFromHtml", input: filling(MAIL_MAX, " ", "<br", "x") },
  {
    name: "emailHtmlForFrame: unclosed tags and attributes at the largest HTML it sanitises",
    module: HTML,
    fn: "emailHtmlForFrame",
    input: filling(MAX_HTML_INPUT_CHARS, '<a title="x <b '),
  },
  { name: "emailHtmlForFrame: 25 MB of nested tags", module: HTML, fn: "emailHtmlForFrame", input: filling(MAIL_MAX, "<div><span>") },
  {
    name: "singleLine: a 25 MB subject of control characters and spaces",
    module: "app/email/header-text.server.ts",
    fn: "singleLine",
    input: filling(MAIL_MAX, "\u0001  \u2028"),
  },
  {
    name: 'isNullSender: "<", 25 MB of whitespace, then a letter',
    module: "app/inbound/loop-detection.server.ts",
    fn: "isNullSender",
    input: filling(MAIL_MAX, " \t", "<", "x"),
  },
  {
    name: "messageIdOf: a 25 MB Message-ID header line",
    module: "app/inbound/inbound-store.server.ts",
    fn: "messageIdOf",
    input: { ...filling(MAIL_MAX, " \t<", "Message-ID: "), asBuffer: true },
  },
  {
    name: "displayFilename: a 25 MB attachment name",
    module: "app/inbound/attachments.server.ts",
    fn: "displayFilename",
    input: filling(MAIL_MAX, "a/\u202e.. "),
  },
  {
    name: "clientKey: an X-Forwarded-For entry as long as a header can be",
    module: "app/net/client-address.server.ts",
    fn: "clientKey",
    input: filling(HEADER_MAX, "%1"),
  },
];

type CallResult = { ms: number; inputChars: number } | { error: string };

/** One worker thread that runs the calls; a call past its deadline is ended with the thread (a new one serves the next). */
class TimedCalls {
  private worker: Worker | null = null;

  async run(call: Case, deadlineMs: number): Promise<CallResult> {
    this.worker ??= new Worker(new URL("../support/timed-call.worker.mjs", import.meta.url));
    const worker = this.worker;
    const { asBuffer, ...input } = call.input;
    const answer = new Promise<CallResult>((resolve) => {
      const onMessage = (result: CallResult) => {
        worker.off("error", onError);
        resolve(result);
      };
      const onError = (error: Error) => {
        worker.off("message", onMessage);
        resolve({ error: error.stack ?? String(error) });
      };
      worker.once("message", onMessage);
      worker.once("error", onError);
    });
    worker.postMessage({ module: path.resolve(call.module), fn: call.fn, input: { ...input, asBuffer } });
    const result = await Promise.race([answer, sleep(deadlineMs).then(() => null)]);
    if (result) return result;
    this.worker = null;
    await worker.terminate();
    return { error: `still running after ${deadlineMs} ms: it backtracks` };
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

// --- the server as `npm start` runs it, with the email worker inline ------------------------------

const INBOUND_DOMAIN = "in.redos.test";

type Latency = { at: number; ms: number; ok: boolean };

function healthz(port: number, timeoutMs: number): Promise<Latency> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (ok: boolean) => resolve({ at: started, ms: performance.now() - started, ok });
    const req = http.request({ host: "127.0.0.1", port, path: "/healthz", headers: { host: "localhost" }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode === 200));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on("error", () => done(false));
    req.end();
  });
}

describe("hole 1: no user text meets a pattern that backtracks, and reading a large email does not block the server", () => {
  const calls = new TimedCalls();
  afterAll(() => calls.close());

  it("every regular expression in app/ matches in linear time (recheck), except the listed few on short, well-formed input", () => {
    const { literals, constructed } = patternsInApp();
    expect(literals.length).toBeGreaterThan(50);
    // A pattern built at run time cannot be checked here: write it as a literal.
    expect(constructed).toEqual([]);
    const dangerous = literals.flatMap((pattern) => {
      if (BOUNDED_INPUT.some((allowed) => allowed.file === pattern.file && allowed.source === pattern.source)) return [];
      const diagnostics = checkSync(pattern.source, pattern.flags, { timeout: 10_000 });
      if (diagnostics.status === "safe") return [];
      const detail = diagnostics.status === "vulnerable" ? `${diagnostics.complexity.summary}, e.g. ${diagnostics.attack.pattern}` : diagnostics.status;
      return [`${pattern.where} /${pattern.source}/${pattern.flags}: ${detail}`];
    });
    expect(dangerous).toEqual([]);
  }, 120_000);

  it.each(CASES.map((call) => [call.name, call]))(
    "%s: finishes well under a second",
    async (_name, call) => {
      const result = await calls.run(call, 20_000);
      if ("error" in result) throw new Error(result.error);
      const { prefix = "", unit, count, suffix = "" } = call.input;
      expect(result.inputChars).toBeGreaterThan(1000);
      expect(result.inputChars).toBe(prefix.length + unit.length * count + suffix.length);
      expect(result.ms).toBeLessThan(WELL_UNDER_A_SECOND_MS);
    },
    60_000,
  );

  describe("over SMTP, with WORKER_MODE=inline", () => {
    let own: OwnDatabaseServer;
    let platform: Platform;
    let tenant: TenantRecord;
    let ports: { http: number; smtp: number };

    beforeAll(async () => {
      own = await startServerOnOwnDatabase("redos", { inboundDomain: INBOUND_DOMAIN });
      ({ platform, ports } = own);
      const slug = uniqueSlug("redos");
      ({ tenant } = await createTenant(
        platform.control,
        platform.router,
        { slug, name: "ReDoS", adminEmail: `admin@${slug}.test` },
        { firstAdmin: prepareFirstAdmin },
      ));
    }, 180_000);

    afterAll(() => own?.stop());

    it('processes a maximum-size email of one "Am … schrieb" line, and one of many parts, while /healthz keeps answering', async () => {
      const to = `support@${tenant.slug}.${INBOUND_DOMAIN}`;
      const messages = await Promise.all([buildInboundMessage("adversarial", MAIL_MAX), buildInboundMessage("mixed", MAIL_MAX)]);
      const latencies: Latency[] = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          latencies.push(await healthz(ports.http, 10_000));
          await sleep(50);
        }
      })();

      const transport = nodemailer.createTransport({ host: "127.0.0.1", port: ports.smtp, secure: false, ignoreTLS: true });
      const sent = await Promise.all(messages.map((raw) => transport.sendMail({ envelope: { from: "big@sender.test", to: [to] }, raw })));
      expect(sent.map((info) => info.response.slice(0, 3))).toEqual(["250", "250"]);

      const { db, t } = platform.router.forTenant(tenant);
      let rows: Array<{ status: string; ticketMessageId: number | null }> = [];
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(500)) {
        rows = await db.select({ status: t.inboundEmails.status, ticketMessageId: t.inboundEmails.ticketMessageId }).from(t.inboundEmails);
        if (rows.length === 2 && rows.every((row) => row.status !== "received")) break;
      }
      watching = false;
      await watcher;

      expect(rows.map((row) => row.status)).toEqual(["processed", "processed"]);
      const bodies = await db
        .select({ body: t.ticketMessages.body })
        .from(t.ticketMessages)
        .where(
          inArray(
            t.ticketMessages.id,
            rows.map((row) => row.ticketMessageId!),
          ),
        );
      const adversarial = bodies.find((message) => message.body.startsWith("Am schriebschrieb"));
      expect(adversarial?.body).toContain("shortened");
      expect(latencies.length).toBeGreaterThan(10);
      expect(latencies.filter((latency) => !latency.ok)).toEqual([]);
      expect(Math.max(...latencies.map((latency) => latency.ms))).toBeLessThan(1000);
    }, 240_000);
  });
});
