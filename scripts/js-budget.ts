// The JavaScript each screen loads (entry, root, its layout routes and itself, with every shared chunk),
// gzipped, against DESIGN.md's budget of 150 KB. Run after `remix build`: `npm run check:js-budget`.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 150;
if (process.argv.includes("--help")) {
  console.log(`Usage: tsx scripts/js-budget.ts\nPrints each route's gzipped JavaScript (from public/build) and exits 1 when a screen exceeds ${BUDGET_KB} KB.`);
  process.exit(0);
}

type ManifestEntry = { module: string; imports?: string[]; parentId?: string; id?: string };
const buildDir = path.resolve("public/build");
const manifestFile = readdirSync(buildDir).find((name) => /^manifest-.*\.js$/.test(name));
if (!manifestFile) {
  console.error("No public/build/manifest-*.js: run `npx remix build` first.");
  process.exit(2);
}
const manifest = JSON.parse(
  readFileSync(path.join(buildDir, manifestFile), "utf8")
    .replace(/^window\.__remixManifest=/, "")
    .replace(/;$/, ""),
) as {
  entry: ManifestEntry;
  routes: Record<string, ManifestEntry>;
};

const gzipped = new Map<string, number>();
const sizeOf = (url: string) => {
  if (!gzipped.has(url)) gzipped.set(url, gzipSync(readFileSync(path.resolve("public", url.replace(/^\//, "")))).length);
  return gzipped.get(url)!;
};
const filesOf = (entry: ManifestEntry) => [entry.module, ...(entry.imports ?? [])];

let failed = false;
const rows: Array<[string, number]> = [];
for (const [id, route] of Object.entries(manifest.routes)) {
  if (id === "root") continue;
  const files = new Set(filesOf(manifest.entry));
  for (let current: ManifestEntry | undefined = route; current; current = current.parentId ? manifest.routes[current.parentId] : undefined) {
    for (const file of filesOf(current)) files.add(file);
  }
  const kb = [...files].reduce((sum, file) => sum + sizeOf(file), 0) / 1024;
  rows.push([id, kb]);
  failed ||= kb > BUDGET_KB;
}
for (const [id, kb] of rows.sort((a, b) => b[1] - a[1])) console.log(`${kb > BUDGET_KB ? "OVER" : "ok  "} ${kb.toFixed(1).padStart(6)} KB  ${id}`);
if (failed) {
  console.error(`A screen loads more than ${BUDGET_KB} KB of gzipped JavaScript. Load heavy libraries only where they are used.`);
  process.exit(1);
}
