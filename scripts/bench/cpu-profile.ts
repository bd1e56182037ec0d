// Where a V8 CPU profile (.cpuprofile) spent its time: self time by package and by function.
import { readFile } from "node:fs/promises";
import path from "node:path";

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
type CpuProfile = { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[]; startTime: number; endTime: number };

export type ProfileSummary = {
  /** Busy share of the profiled wall time (everything but "(idle)"). */
  busyPercent: number;
  categories: Array<{ name: string; percent: number }>;
  functions: Array<{ name: string; percent: number }>;
};

/** What a frame belongs to: a package, the app's server build, app source, Node itself, or V8. */
function categoryOf({ functionName, url }: ProfileNode["callFrame"], buildDir: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const file = url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url;
  const modules = file.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const parts = file.slice(modules + "/node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (file.startsWith(buildDir)) return "app (server build)";
  if (file.startsWith("node:")) return "node internals";
  if (path.isAbsolute(file)) return `app source: ${path.relative(process.cwd(), file).split("/")[0]}/`;
  return "other";
}

/** Self time summed over several profiles (e.g. the rounds of one measurement). */
export async function summarizeProfiles(files: string[], buildDir: string, top = 10): Promise<ProfileSummary> {
  let total = 0;
  let idle = 0;
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const file of files) {
    const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map<number, number>();
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    // Each sample stands for the time until the next one.
    for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? 0));
    for (const [id, micros] of self) {
      const frame = byId.get(id)!.callFrame;
      total += micros;
      if (frame.functionName === "(idle)") {
        idle += micros;
        continue;
      }
      const category = categoryOf(frame, buildDir);
      categories.set(category, (categories.get(category) ?? 0) + micros);
      const where = frame.url ? ` ${category} ${path.basename(frame.url)}:${frame.lineNumber + 1}` : "";
      const name = `${frame.functionName || "(anonymous)"}${where}`;
      functions.set(name, (functions.get(name) ?? 0) + micros);
    }
  }
  const busy = total - idle;
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, percent: busy ? (micros / busy) * 100 : 0 }));
  return { busyPercent: total ? (busy / total) * 100 : 0, categories: ranked(categories), functions: ranked(functions) };
}
