// The server under test of `npm run bench:agent`, started by it with fork(): the production Express
// app (as server.ts builds it) over the bench's own Remix build, in its own process. Not for humans.
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import pg from "pg";
import { pino } from "pino";
import { loadConfig } from "../../app/config.server";
import type * as ConductorEntryModule from "../../app/entry.server";
import { openPlatform } from "../../tenancy/platform";
import type { CapturedQuery, ServerCommand, ServerReply } from "./server-messages";

function send(message: ServerReply): void {
  process.send?.(message);
}

/**
 * With BENCH_CAPTURE_SQL=1 (the bench's --plans), every statement any pooled client sends is
 * recorded between capture-start and capture-stop: the exact SQL and parameters of one request.
 */
let captured: CapturedQuery[] | null = null;
function installQueryCapture(): void {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (captured) {
      const [first, second] = args as [string | { text?: string; values?: unknown[] }, unknown];
      const text = typeof first === "string" ? first : first?.text;
      const values = typeof first === "object" && first?.values ? first.values : Array.isArray(second) ? second : [];
      if (typeof text === "string") captured.push({ sql: text, params: values });
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}

async function main(): Promise<void> {
  if (process.env.BENCH_CAPTURE_SQL === "1") installQueryCapture();
  const config = loadConfig();
  const logger = pino({ level: config.LOG_LEVEL });
  const platform = await openPlatform(config, logger);
  const buildDir = path.resolve(process.env.CONDUCTOR_BUILD_DIR ?? "build");
  // The Express side comes from the build, as in server.ts: one copy of each app module.
  const build = (await import(pathToFileURL(path.join(buildDir, "index.js")).href)) as ServerBuild;
  const entry = build.entry.module as unknown as typeof ConductorEntryModule;
  const app = entry.createConductorApp({
    config,
    platform,
    logger,
    build,
    mode: "production",
    trustProxy: false,
    assetsDir: path.join(buildDir, "public/build"),
  });
  const server = app.listen(0, "127.0.0.1", () => send({ type: "listening", port: (server.address() as AddressInfo).port }));

  let profiler: Session | null = null;
  process.on("message", (command: ServerCommand) => {
    void (async (): Promise<ServerReply> => {
      switch (command.type) {
        case "capture-start":
          captured = [];
          return { id: command.id, type: "ok" };
        case "capture-stop": {
          const queries = captured ?? [];
          captured = null;
          return { id: command.id, type: "ok", queries };
        }
        case "profile-start":
          profiler = new Session();
          profiler.connect();
          await profiler.post("Profiler.enable");
          await profiler.post("Profiler.start");
          return { id: command.id, type: "ok" };
        case "profile-stop": {
          if (!profiler) throw new Error("no profile is being recorded");
          const { profile } = await profiler.post("Profiler.stop");
          profiler.disconnect();
          profiler = null;
          await writeFile(command.file, JSON.stringify(profile));
          return { id: command.id, type: "ok" };
        }
      }
    })()
      .catch((error: unknown): ServerReply => ({ id: command.id, type: "error", message: error instanceof Error ? error.message : String(error) }))
      .then(send);
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close(() => {
      void platform.close().finally(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // The bench went away (even by SIGKILL): do not outlive it.
  process.on("disconnect", stop);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (process.send) process.send({ type: "failed", message } satisfies ServerReply, undefined, {}, () => process.exit(1));
  else {
    console.error(message);
    process.exit(1);
  }
});
