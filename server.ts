// `npm start` and `npm run dev`: loads the Remix server build and reaches the app only through its
// entry module (app/entry.server.tsx), so the process holds one copy of each app module: the web
// requests, the inline email worker and the SMTP receiver share their caches and classes.
import "dotenv/config";
import { existsSync, watch } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { broadcastDevReady, type ServerBuild } from "@remix-run/node";
import type { Logger } from "pino";
import type * as ServerEntry from "./app/entry.server";

// CONDUCTOR_BUILD_DIR as in remix.config.js: a side-by-side build (tests, parallel work trees) serves its own server build.
const BUILD_PATH = path.resolve(process.env.CONDUCTOR_BUILD_DIR ?? "build", "index.js");
// ...and its own client assets, which remix.config.js puts beside it.
const ASSETS_DIR = process.env.CONDUCTOR_BUILD_DIR ? path.resolve(process.env.CONDUCTOR_BUILD_DIR, "public/build") : undefined;
const underRemixDev = Boolean(process.env.REMIX_DEV_ORIGIN);

let entry: typeof ServerEntry | undefined;

async function main() {
  if (!existsSync(BUILD_PATH)) throw new Error(`there is no server build at ${BUILD_PATH}: run \`npm run build\` first`);
  let build = await importBuild(pathToFileURL(BUILD_PATH).href);
  entry = entryOf(build);
  const conductor = await entry.startConductor(process.env);
  const { config, logger, platform } = conductor;
  const mode = underRemixDev ? "development" : "production";
  let app = entry.createConductorApp({ config, platform, logger, build, mode, assetsDir: ASSETS_DIR });

  // `npm run dev`: each rebuild brings a new copy of the app; its Express app takes the requests from
  // then on. The platform, email worker and SMTP receiver stay those of the first build until a restart.
  if (underRemixDev) {
    watchBuild((next) => {
      build = next;
      app = entryOf(next).createConductorApp({ config, platform, logger, build: next, mode, assetsDir: ASSETS_DIR });
      void broadcastDevReady(next);
    }, logger);
  }

  const server = createServer((req, res) => {
    app(req, res);
  });
  server.listen(config.PORT, config.HOST, () => {
    const port = (server.address() as { port: number }).port;
    logger.info(`Conductor is listening on port ${port}`);
    const banner = conductor.readyBanner(port);
    if (banner) console.log(banner);
    if (underRemixDev) void broadcastDevReady(build);
  });

  let stoppingSince = 0;
  const shutdown = (signal: string) => {
    // Ctrl-C reaches us twice (terminal and tsx relay); only a later, deliberate repeat forces the exit.
    if (stoppingSince && Date.now() - stoppingSince > 1000) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    if (stoppingSince) return;
    stoppingSince = Date.now();
    logger.info(`${signal} received: finishing the email being sent, closing connections and stopping the database`);
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    const requestsDone = new Promise<void>((resolve) => server.close(() => resolve()));
    conductor.stop(requestsDone).then(
      () => {
        clearTimeout(force);
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
    server.closeAllConnections();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

async function importBuild(url: string): Promise<ServerBuild> {
  return (await import(url)) as ServerBuild;
}

/** What app/entry.server.tsx exports for the process side, in the given build. */
function entryOf(build: ServerBuild): typeof ServerEntry {
  return build.entry.module as unknown as typeof ServerEntry;
}

/** `npm run dev`: re-import the server build whenever `remix dev` rewrites it. */
function watchBuild(onBuild: (build: ServerBuild) => void, log: Logger) {
  const reload = async () => {
    const { mtimeMs } = await stat(BUILD_PATH);
    onBuild(await importBuild(`${pathToFileURL(BUILD_PATH).href}?t=${mtimeMs}`));
  };
  watch(path.dirname(BUILD_PATH), (_event, file) => {
    if (file === "version.txt") reload().catch((error: unknown) => log.error({ err: error }, "could not load the rebuilt app"));
  });
}

main().catch((error) => {
  if (entry && error instanceof entry.ConfigError) {
    console.error(error.message);
  } else {
    console.error("Conductor failed to start:", error instanceof Error ? error.message : error);
    if (process.env.LOG_LEVEL === "debug" && error instanceof Error) console.error(error.stack);
  }
  process.exit(1);
});
