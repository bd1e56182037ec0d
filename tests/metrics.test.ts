import { randomBytes } from "node:crypto";
import http from "node:http";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../app/config.server";
import { migrateControlPlane, prepareShardDatabase } from "../db/prepare-database";
import { freePort } from "../db/throwaway-postgres";
import { createPlatform, type Platform } from "../tenancy/platform";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, sessionFor } from "./support/auth";
import { requestServer, ServerProcess } from "./support/server-process";
import { createTestTenant, testDatabaseUrl, uniqueSlug } from "./support/test-platform";
import { TEST_SESSION_SECRET } from "./support/test-server";

/** requestServer() sends no body: a JSON POST as a client of `host` would send it. */
function postJson(port: number, host: string, pathname: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: pathname,
        method: "POST",
        agent: false,
        headers: { host, "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const METRICS_TOKEN = `metrics-${randomBytes(16).toString("hex")}`;

type Sample = { name: string; labels: Record<string, string>; value: number };
type Family = { name: string; type: string; help: string; samples: Sample[] };

/**
 * A strict reader of the Prometheus text format (0.0.4): HELP and TYPE before a family's samples,
 * label values quoted and escaped, numbers or ±Inf/NaN, histogram buckets cumulative up to +Inf
 * and equal to _count. Anything else throws, with the line.
 */
function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const SUFFIXES: Record<string, string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["", "_sum", "_count"], counter: ["", "_total"] };
  const familyOf = (sampleName: string): Family | undefined => {
    for (const family of families.values()) {
      const suffixes = SUFFIXES[family.type] ?? [""];
      if (suffixes.some((suffix) => sampleName === family.name + suffix)) return family;
    }
    return undefined;
  };
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      const family = families.get(name!) ?? { name: name!, type: "untyped", help: "", samples: [] };
      families.set(name!, family);
      if (kind === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest!)) throw new Error(`bad TYPE: ${line}`);
        if (family.samples.length) throw new Error(`TYPE after samples: ${line}`);
        family.type = rest!;
      } else family.help = rest!;
      continue;
    }
    if (line.startsWith("#")) continue;
    const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? ([^ ]+)(?: (-?\\d+))?$`).exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const [, name, labelText = "", valueText] = sample;
    const labels: Record<string, string> = {};
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    for (let at = 0; at < labelText.length;) {
      labelPattern.lastIndex = at;
      const label = labelPattern.exec(labelText);
      if (!label) throw new Error(`bad labels: ${line}`);
      if (label[1]! in labels) throw new Error(`repeated label: ${line}`);
      labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      at = labelPattern.lastIndex;
    }
    // Prometheus reads values with Go's ParseFloat: Inf and NaN in any case (prom-client writes `Nan`).
    if (!/^([+-]?inf|nan|-?\d+(\.\d+)?(e[+-]?\d+)?)$/i.test(valueText!)) throw new Error(`bad value: ${line}`);
    const value = /^nan$/i.test(valueText!) ? NaN : /^[+-]?inf$/i.test(valueText!) ? (valueText!.startsWith("-") ? -Infinity : Infinity) : Number(valueText);
    const family = familyOf(name!);
    if (!family) throw new Error(`sample without a TYPE: ${line}`);
    family.samples.push({ name: name!, labels, value });
  }
  for (const family of families.values()) {
    if (family.type !== "histogram") continue;
    const series = new Map<string, Sample[]>();
    for (const sample of family.samples.filter((s) => s.name.endsWith("_bucket"))) {
      const { le, ...rest } = sample.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), sample]);
      if (le === undefined) throw new Error(`bucket without le in ${family.name}`);
    }
    for (const [key, buckets] of series) {
      const values = buckets.map((b) => b.value);
      if (values.some((v, i) => i > 0 && v < values[i - 1]!)) throw new Error(`buckets not cumulative in ${family.name}${key}`);
      if (buckets.at(-1)!.labels.le !== "+Inf") throw new Error(`no +Inf bucket in ${family.name}${key}`);
      const count = family.samples.find((s) => s.name === `${family.name}_count` && JSON.stringify(s.labels) === key);
      if (count?.value !== buckets.at(-1)!.value) throw new Error(`_count differs from the +Inf bucket in ${family.name}${key}`);
    }
  }
  return families;
}

describe("the Prometheus text reader of this test", () => {
  it("accepts prom-client's output and refuses what is not the format", () => {
    expect(parsePrometheusText('# HELP a_total x\n# TYPE a_total counter\na_total{k="v"} 3\n').get("a_total")?.samples[0]?.value).toBe(3);
    expect(() => parsePrometheusText("a_total 3\n")).toThrow(/without a TYPE/);
    expect(() => parsePrometheusText("# TYPE a gauge\na{k=v} 3\n")).toThrow(/bad labels/);
    expect(() => parsePrometheusText("# TYPE a gauge\na three\n")).toThrow(/bad value/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
  });
});

describe("metrics settings", () => {
  it("are off unless METRICS_PORT is set, and never reachable from other machines without a token", () => {
    expect(loadConfig({}).METRICS_PORT).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: "9464" })).toMatchObject({ METRICS_PORT: 9464, METRICS_HOST: "127.0.0.1" });
    expect(loadConfig({ METRICS_PORT: "9464" }).METRICS_TOKEN).toBeUndefined();
    expect(() => loadConfig({ METRICS_PORT: "9464", METRICS_HOST: "0.0.0.0" })).toThrow(ConfigError);
    expect(loadConfig({ METRICS_PORT: "9464", METRICS_HOST: "0.0.0.0", METRICS_TOKEN }).METRICS_HOST).toBe("0.0.0.0");
    // A token alone does not turn metrics on (nor put them on the public port): the operator is told.
    expect(() => loadConfig({ METRICS_TOKEN })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ METRICS_PORT: "9464", METRICS_TOKEN: "short" })).toThrow(/16 characters/);
  });
});

describe("/metrics on the server process (`tsx server.ts`)", () => {
  let admin: pg.Client;
  let database: string;
  let platform: Platform;
  let server: ServerProcess;
  let metricsPort: number;
  let tenant: TenantRecord;
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    // A database of its own: the job-queue figures below are this file's jobs only.
    database = `conductor_metrics_${randomBytes(4).toString("hex")}`;
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${database}`;
    await prepareShardDatabase(url.href);
    await migrateControlPlane(url.href);
    platform = createPlatform([{ id: "main", url: url.href }], { tenantCacheTtlMs: 0 });
    tenant = await createTestTenant(platform, { slug: uniqueSlug("metrics") });
    const agent = await createMember(platform, tenant, { email: `agent@${tenant.slug}.test` });
    ({ cookie, csrf } = await sessionFor(platform, tenant, agent.id));
    // A send_email job that came due a minute ago, with no worker to take it (WORKER_MODE=off).
    await platform.control.pool.query(`SELECT graphile_worker.add_job('send_email', '{}'::json, run_at := now() - interval '60 seconds')`);
    metricsPort = await freePort();
    server = await ServerProcess.start({
      DATABASE_URL: url.href,
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      APP_DOMAIN: "localhost",
      WORKER_MODE: "off",
      SEED_DEMO: "false",
      SESSION_SECRET: TEST_SESSION_SECRET,
      LOG_LEVEL: "warn",
      METRICS_PORT: String(metricsPort),
      METRICS_TOKEN,
    });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await platform?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  const scrape = (headers: Record<string, string> = { authorization: `Bearer ${METRICS_TOKEN}` }) =>
    requestServer(metricsPort, `127.0.0.1:${metricsPort}`, "/metrics", { headers });

  it("refuses a scrape without the token or with a wrong one, and serves none on the public port", async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: "Bearer " },
      { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` },
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { authorization: `Basic ${Buffer.from(`metrics:${METRICS_TOKEN}`).toString("base64")}` },
    ];
    for (const headers of attempts) {
      const refused = await scrape(headers);
      expect(refused.status, JSON.stringify(headers)).toBe(401);
      expect(refused.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(refused.body).not.toMatch(/conductor_|process_/);
    }
    for (const host of ["localhost", `${tenant.slug}.localhost`]) {
      const publicPort = await requestServer(server.port, host, "/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(publicPort.status, host).toBe(404);
      expect(publicPort.body).not.toMatch(/conductor_http_request_duration_seconds|process_resident_memory_bytes/);
    }
    expect((await requestServer(metricsPort, "127.0.0.1", "/", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
  });

  it("after traffic, has request durations by route id, method and status class, and no paths or tenant slugs", async () => {
    const requestCounts = (text: string) =>
      parsePrometheusText(text)
        .get("conductor_http_request_duration_seconds")!
        .samples.filter((s) => s.name.endsWith("_count"));
    const countsBefore = requestCounts((await scrape()).body);
    const host = `${tenant.slug}.localhost`;
    const created = await postJson(
      server.port,
      host,
      "/api/tickets",
      { cookie, "x-csrf-token": csrf, origin: `http://${host}` },
      {
        subject: "Metrics check",
        message: "Counting.",
        customer: { name: "Ada", email: "ada@metrics.test" },
      },
    );
    expect(created.status, created.body).toBe(201);
    const { number } = JSON.parse(created.body) as { number: number };
    expect((await requestServer(server.port, host, `/tickets/${number}`, { headers: { cookie } })).status).toBe(200);
    expect((await requestServer(server.port, host, `/tickets/${number}.data`, { headers: { cookie } })).status).toBe(200);
    expect((await requestServer(server.port, host, `/api/tickets/${number}`, { headers: { cookie } })).status).toBe(200);
    expect((await requestServer(server.port, host, "/no/such/page-4242", { headers: { cookie } })).status).toBe(404);
    expect((await requestServer(server.port, host, "/api/tickets/999999", { headers: { cookie } })).status).toBe(404);

    const response = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(response.body);
    const http = families.get("conductor_http_request_duration_seconds");
    expect(http?.type).toBe("histogram");
    const counts = http!.samples.filter((s) => s.name.endsWith("_count"));
    const total = (samples: Sample[], labels: Record<string, string>) =>
      samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
    // What this test's requests added (the test above made some too).
    const count = (labels: Record<string, string>) => total(counts, labels) - total(countsBefore, labels);
    expect(count({ route: "routes/api.tickets", method: "POST", status_class: "2xx" })).toBe(1);
    // The page and its single-fetch data request are the same route.
    expect(count({ route: "routes/_app.tickets.$number", method: "GET", status_class: "2xx" })).toBe(2);
    expect(count({ route: "routes/api.tickets.$number", method: "GET", status_class: "2xx" })).toBe(1);
    expect(count({ route: "routes/api.tickets.$number", method: "GET", status_class: "4xx" })).toBe(1);
    // A path no route matches is one fixed label, whatever the path.
    expect(count({ route: "unmatched", method: "GET", status_class: "4xx" })).toBe(1);
    // What answered before Remix is named by its Express route or a fixed word.
    await requestServer(server.port, "localhost", "/readyz");
    expect((await requestServer(server.port, host, "/favicon.svg")).status).toBe(200);
    expect((await requestServer(server.port, host, "/favicon-4242.ico")).status).toBe(404);
    const later = requestCounts((await scrape()).body);
    expect(
      total(later, { route: "/readyz", method: "GET", status_class: "2xx" }) - total(countsBefore, { route: "/readyz", method: "GET", status_class: "2xx" }),
    ).toBe(1);
    expect(
      total(later, { route: "static", method: "GET", status_class: "2xx" }) - total(countsBefore, { route: "static", method: "GET", status_class: "2xx" }),
    ).toBe(1);
    // A file that is not there is a page that is not there.
    expect(
      total(later, { route: "unmatched", method: "GET", status_class: "4xx" }) -
        total(countsBefore, { route: "unmatched", method: "GET", status_class: "4xx" }),
    ).toBe(2);
    // Bounded labels: no raw path, number or slug anywhere in the output.
    for (const sample of http!.samples)
      expect(Object.keys(sample.labels).sort()).toEqual(
        sample.name.endsWith("_bucket") ? ["le", "method", "route", "status_class"] : ["method", "route", "status_class"],
      );
    expect(response.body).not.toContain(tenant.slug);
    expect(response.body).not.toContain(tenant.schemaName);
    expect(response.body).not.toMatch(new RegExp(`route="[^"]*(/tickets/${number}|999999|page-4242)`));
    for (const route of new Set(counts.map((s) => s.labels.route))) expect(route).toMatch(/^(routes\/[\w.$[\]-]+|root|\/\w+|static|none|unmatched)$/);
  });

  it("has database statement durations per shard, pool gauges per shard and the process's own figures", async () => {
    const families = parsePrometheusText((await scrape()).body);
    const statements = families.get("conductor_db_statement_duration_seconds");
    expect(statements?.type).toBe("histogram");
    const tenantStatements = statements!.samples.find((s) => s.name.endsWith("_count") && s.labels.shard === "main" && s.labels.pool === "tenant");
    expect(tenantStatements?.value).toBeGreaterThan(0);
    expect(families.get("conductor_db_statement_errors_total")?.type).toBe("counter");
    for (const name of ["conductor_db_pool_connections", "conductor_db_pool_idle_connections", "conductor_db_pool_waiting_requests"]) {
      const family = families.get(name);
      expect(family?.type, name).toBe("gauge");
      expect(family!.samples.map((s) => s.labels)).toEqual(
        expect.arrayContaining([
          { shard: "main", pool: "tenant" },
          { shard: "main", pool: "control" },
        ]),
      );
    }
    const open = families.get("conductor_db_pool_connections")!.samples.find((s) => s.labels.pool === "tenant")!.value;
    expect(open).toBeGreaterThan(0);
    for (const name of ["nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes", "process_resident_memory_bytes"]) {
      expect(families.get(name)?.samples[0]?.value, name).toBeGreaterThan(0);
    }
  });

  it("counts a statement that failed as an error of its shard and pool, and the 500 it caused", async () => {
    const families = async () => parsePrometheusText((await scrape()).body);
    const missingTable = (f: Map<string, Family>) =>
      f
        .get("conductor_db_statement_errors_total")!
        .samples.filter((s) => s.labels.shard === "main" && s.labels.pool === "tenant" && s.labels.sqlstate_class === "42")
        .reduce((sum, s) => sum + s.value, 0);
    const serverErrors = (f: Map<string, Family>) =>
      f
        .get("conductor_http_request_duration_seconds")!
        .samples.find((s) => s.name.endsWith("_count") && s.labels.route === "routes/api.customers" && s.labels.status_class === "5xx")?.value ?? 0;
    const before = await families();
    expect(missingTable(before)).toBe(0);
    expect(serverErrors(before)).toBe(0);
    // The workspace's customers table goes away under the running server: its next statement fails with 42P01.
    await platform.control.pool.query(`ALTER TABLE "${tenant.schemaName}".customers RENAME TO customers_gone`);
    const listed = await requestServer(server.port, `${tenant.slug}.localhost`, "/api/customers", { headers: { cookie } });
    expect(listed.status).toBe(500);
    const after = await families();
    expect(missingTable(after)).toBeGreaterThanOrEqual(1);
    expect(serverErrors(after)).toBe(1);
  });

  it("has job queue depth and the oldest due job's age per shard and task, and the outbox backlog", async () => {
    const families = parsePrometheusText((await scrape()).body);
    const depth = families.get("conductor_job_queue_depth");
    expect(depth?.type).toBe("gauge");
    const value = (family: string, labels: Record<string, string>) =>
      families.get(family)!.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    // The planted job, plus any email the ticket above queued.
    expect(value("conductor_job_queue_depth", { shard: "main", task: "send_email" })).toBeGreaterThanOrEqual(1);
    for (const task of ["process_inbound_email", "sla_alert_scan", "deliver_webhook"])
      expect(value("conductor_job_queue_depth", { shard: "main", task })).toBe(0);
    expect(value("conductor_job_queue_oldest_age_seconds", { shard: "main", task: "send_email" })).toBeGreaterThanOrEqual(60);
    expect(value("conductor_job_queue_oldest_age_seconds", { shard: "main", task: "deliver_webhook" })).toBe(0);
    expect(value("conductor_job_queue_failed", { shard: "main", task: "send_email" })).toBe(0);
    expect(value("conductor_outbox_pending", { shard: "main", outbox: "email" })).toBe(
      value("conductor_job_queue_depth", { shard: "main", task: "send_email" }),
    );
    expect(value("conductor_outbox_pending", { shard: "main", outbox: "webhook" })).toBe(0);
  });
});
