import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { migrateControlPlane, prepareShardDatabase } from "../../db/prepare-database";
import { startThrowawayPostgres } from "../../db/throwaway-postgres";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** One real PostgreSQL for the whole run: DATABASE_URL when given, else a fresh embedded server. */
export default async function setup(project: TestProject) {
  // HTTP tests load the real Remix server build.
  if (!existsSync(`${process.env.CONDUCTOR_BUILD_DIR ?? "build"}/index.js`)) execSync("npx remix build", { stdio: "inherit" });
  let url = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!url) {
    const server = await startThrowawayPostgres();
    url = server.url;
    stop = server.stop;
  }
  await prepareShardDatabase(url);
  await migrateControlPlane(url);
  project.provide("databaseUrl", url);
  return stop;
}
