import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";

/** The Remix server build the tests run: CONDUCTOR_BUILD_DIR's when set (side-by-side builds), else build/. */
export function serverBuildPath(): string {
  return path.resolve(process.env.CONDUCTOR_BUILD_DIR ?? "build", "index.js");
}

export async function loadServerBuild(): Promise<ServerBuild> {
  const buildPath = serverBuildPath();
  if (!existsSync(buildPath)) throw new Error(`${path.relative(process.cwd(), buildPath)} is missing: run \`npx remix build\` (npm test does it first)`);
  return (await import(pathToFileURL(buildPath).href)) as ServerBuild;
}
