import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrateControlPlane, prepareShardDatabase } from "../../db/prepare-database";
import { freePort } from "../../db/throwaway-postgres";
import { createPlatform, type Platform } from "../../tenancy/platform";
import { ServerProcess } from "./server-process";
import { testDatabaseUrl } from "./test-platform";
import { TEST_SESSION_SECRET } from "./test-server";

export type OwnDatabaseServer = {
  server: ServerProcess;
  /** A platform of the test's own over the same database, for setup and checks. */
  platform: Platform;
  ports: { http: number; smtp: number };
  databaseUrl: string;
  stop(): Promise<void>;
};

/**
 * `tsx server.ts` with the inline worker and the inbound SMTP receiver, on a database of its own in the
 * test PostgreSQL: no other test file's worker may take this server's jobs.
 */
export async function startServerOnOwnDatabase(name: string, { inboundDomain }: { inboundDomain: string }): Promise<OwnDatabaseServer> {
  const admin = new pg.Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
  const database = `conductor_${name}_${randomBytes(4).toString("hex")}`;
  let platform: Platform | undefined;
  let server: ServerProcess | undefined;
  const stop = async () => {
    await server?.stop();
    await platform?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  };
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${database}`;
    await prepareShardDatabase(url.href);
    await migrateControlPlane(url.href);
    platform = createPlatform([{ id: "main", url: url.href }], { tenantCacheTtlMs: 0 });
    const ports = { http: await freePort(), smtp: await freePort() };
    server = await ServerProcess.start({
      DATABASE_URL: url.href,
      HOST: "127.0.0.1",
      PORT: String(ports.http),
      APP_DOMAIN: "localhost",
      INBOUND_DOMAIN: inboundDomain,
      INBOUND_SMTP_HOST: "127.0.0.1",
      INBOUND_SMTP_PORT: String(ports.smtp),
      WORKER_MODE: "inline",
      WORKER_POLL_INTERVAL_MS: "200",
      SEED_DEMO: "false",
      SESSION_SECRET: TEST_SESSION_SECRET,
      LOG_LEVEL: "warn",
    });
    return { server, platform, ports, databaseUrl: url.href, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
