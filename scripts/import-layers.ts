import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const HELP = `Usage: npx tsx scripts/import-layers.ts [--root <dir>] [--quiet]

Prints the import edges between Conductor's layers and fails (exit 1) on an import that points
up a layer or on an import cycle. Layers, highest first; each may import only its own layer and
the ones below it:

  process   server.ts, scripts/**, app/server/**,                 (process entry points and what
            app/entry.server.tsx, app/demo/**                      they start, the demo workspace)
  routes    app/routes/**, app/root.tsx, app/entry.client.tsx,    (screens and their UI)
            app/components/**, app/hooks/**, app/bench/**
  app/http  app/http/**                                           (Express and Remix plumbing)
  domain    every other file under app/, e.g. app/tickets/*.server.ts
  tenancy   tenancy/**
  db        db/**

Type-only imports count too: a lower layer that needs a type from a higher one should own the
type or take the value as a parameter. Tests (tests/, e2e/) are outside the layers. The upward
imports listed in KNOWN_UPWARD (in this file) are reported but do not fail; remove an entry
once its import is gone.

Options:
  --root <dir>  the tree to check (default: the current directory), e.g. an export of HEAD:
                mkdir /tmp/head && git archive HEAD | tar -x -C /tmp/head
  --quiet       print only violations
  --help        this text`;

const LAYERS = ["process", "routes", "app/http", "domain", "tenancy", "db"] as const;
type Layer = (typeof LAYERS)[number];

const SOURCE_DIRS = ["app", "tenancy", "db", "scripts"];
const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".js", ".mjs", ".jsx"];
const ROUTE_AREAS = new Set(["routes", "components", "hooks", "bench"]);
const PROCESS_AREAS = new Set(["server", "demo"]);

/**
 * Upward imports that predate this check, each with the move that removes it. app/http holds
 * three modules that are not request plumbing (client-address, outbound-http,
 * outbound-address-policy: keying clients, fetching URLs) and belong below the domain modules
 * that use them; route-access wraps the server build and belongs in app/http.
 */
const KNOWN_UPWARD = new Map<string, string>([
  ["app/auth/oidc.server.ts -> app/http/outbound-http.server.ts", "move outbound-http below app/http"],
  ["app/auth/route-access.server.ts -> app/http/route-errors.server.ts", "move route-access into app/http"],
  ["app/config.server.ts -> app/http/client-address.server.ts", "move client-address below app/http"],
  ["app/config.server.ts -> app/http/outbound-address-policy.server.ts", "move outbound-address-policy below app/http"],
  ["app/inbound/smtp-receiver-limits.server.ts -> app/http/client-address.server.ts", "move client-address below app/http"],
  ["app/load-context.ts -> app/http/outbound-http.server.ts", "move outbound-http below app/http"],
  ["app/services.server.ts -> app/http/outbound-http.server.ts", "move outbound-http below app/http"],
  ["db/database-servers.ts -> tenancy/connection-router.ts", "declare ShardConfig in db/"],
  ["db/tenant-schema.ts -> tenancy/schema-name.ts", "move assertSchemaName into db/"],
  ["tenancy/platform.ts -> app/config.server.ts", "declare the settings openPlatform reads in tenancy/"],
]);

/** The layer of a path relative to the root, or null for files outside the layers. */
function layerOf(file: string): Layer | null {
  const parts = file.split("/");
  if (parts.length === 1) return file === "server.ts" ? "process" : null;
  const [top, area] = parts;
  if (top === "scripts") return "process";
  if (top === "tenancy") return "tenancy";
  if (top === "db") return "db";
  if (top !== "app") return null;
  if (parts.length === 2) {
    if (area === "entry.server.tsx") return "process";
    return area === "root.tsx" || area === "entry.client.tsx" ? "routes" : "domain";
  }
  if (PROCESS_AREAS.has(area!)) return "process";
  if (ROUTE_AREAS.has(area!)) return "routes";
  return area === "http" ? "app/http" : "domain";
}

const rank = (layer: Layer) => LAYERS.length - LAYERS.indexOf(layer);

function listSources(root: string): string[] {
  const files: string[] = existsSync(path.join(root, "server.ts")) ? ["server.ts"] : [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith(".d.ts")) files.push(relative);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(root, dir))) walk(dir);
  return files.sort();
}

function resolveImport(root: string, from: string, specifier: string): string | null {
  let target: string;
  if (specifier.startsWith("~/")) target = path.posix.join("app", specifier.slice(2));
  else if (specifier.startsWith(".")) target = path.posix.join(path.posix.dirname(from), specifier);
  else return null;
  const withoutJs = target.replace(/\.(m?js|jsx)$/, "");
  const candidates = [target, ...SOURCE_EXTENSIONS.map((ext) => withoutJs + ext), ...SOURCE_EXTENSIONS.map((ext) => `${target}/index${ext}`)];
  return candidates.find((candidate) => existsSync(path.join(root, candidate)) && statSync(path.join(root, candidate)).isFile()) ?? null;
}

type ImportGraph = Map<string, Set<string>>;

function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of listSources(root)) {
    const info = ts.preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true);
    const targets = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      const target = resolveImport(root, file, fileName);
      if (target && target !== file && layerOf(target)) targets.add(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Strongly connected components with more than one file: every import cycle, once. */
function importCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

type LayerReport = { edges: Map<string, number>; upward: Array<[string, string]>; cycles: string[][] };

function checkLayers(graph: ImportGraph): LayerReport {
  const edges = new Map<string, number>();
  const upward: Array<[string, string]> = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file)!;
    for (const target of targets) {
      const to = layerOf(target)!;
      const key = `${from} -> ${to}`;
      edges.set(key, (edges.get(key) ?? 0) + 1);
      if (rank(to) > rank(from)) upward.push([file, target]);
    }
  }
  return { edges, upward, cycles: importCycles(graph) };
}

function main(argv: string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  const rootAt = argv.indexOf("--root");
  const root = path.resolve(rootAt >= 0 ? (argv[rootAt + 1] ?? ".") : ".");
  const unknown = argv.filter((arg, i) => arg !== "--quiet" && arg !== "--root" && !(rootAt >= 0 && i === rootAt + 1));
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}\n\n${HELP}`);
    return 2;
  }
  const graph = importGraph(root);
  const { edges, upward, cycles } = checkLayers(graph);
  if (!argv.includes("--quiet")) {
    console.log(`import edges between layers (${graph.size} files; "from -> to: imports"):`);
    const ordered = [...edges].sort(([a], [b]) => {
      const [fromA, toA] = a.split(" -> ") as [Layer, Layer];
      const [fromB, toB] = b.split(" -> ") as [Layer, Layer];
      return rank(fromB) - rank(fromA) || rank(toB) - rank(toA);
    });
    for (const [key, count] of ordered) {
      const [from, to] = key.split(" -> ") as [Layer, Layer];
      console.log(`  ${key.padEnd(24)} ${String(count).padStart(4)}${rank(to) > rank(from) ? "  UP" : ""}`);
    }
  }
  const known = upward.filter(([file, target]) => KNOWN_UPWARD.has(`${file} -> ${target}`));
  const fresh = upward.filter(([file, target]) => !KNOWN_UPWARD.has(`${file} -> ${target}`));
  if (!argv.includes("--quiet")) {
    for (const [file, target] of known) console.log(`known upward import: ${file} imports ${target} (to do: ${KNOWN_UPWARD.get(`${file} -> ${target}`)})`);
  }
  const seen = new Set(known.map(([file, target]) => `${file} -> ${target}`));
  for (const edge of KNOWN_UPWARD.keys()) if (!seen.has(edge)) console.log(`KNOWN_UPWARD lists ${edge}, which is gone: remove the entry`);
  for (const [file, target] of fresh) console.log(`upward import: ${file} (${layerOf(file)}) imports ${target} (${layerOf(target)})`);
  for (const cycle of cycles) console.log(`import cycle: ${cycle.join(" <-> ")}`);
  const problems = fresh.length + cycles.length;
  console.log(
    problems === 0
      ? `layers: no new upward import, no cycle (${known.length} known upward imports)`
      : `layers: ${fresh.length} upward imports, ${cycles.length} cycles (and ${known.length} known upward imports)`,
  );
  return problems === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
