import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * A file that ships beside the code (migrations, a worker thread's entry), by its path from the
 * project root. Code runs from its source file (tsx, tests, CLIs) or bundled into the Remix server
 * build (`build/index.js`, or CONDUCTOR_BUILD_DIR's), so a path relative to `import.meta.url` would
 * point somewhere else in each; the nearest directory above with a package.json is the same in both.
 */
export function projectFile(...segments: string[]): string {
  root ??= findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
  return path.join(root, ...segments);
}

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}: cannot find the project's files`);
  }
}
