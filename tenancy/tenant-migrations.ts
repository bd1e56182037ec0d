import { readFileSync } from "node:fs";
import path from "node:path";
import { projectFile } from "../db/project-files";
import { lintTenantMigration } from "./migration-lint";

export type TenantMigration = { version: number; tag: string; statements: string[] };

const MIGRATIONS_DIR = projectFile("db", "tenant-migrations");

let cached: TenantMigration[] | undefined;

/** Versions are 1-based positions in drizzle-kit's journal; version 0 is an empty schema. */
export function loadTenantMigrations(dir = MIGRATIONS_DIR): TenantMigration[] {
  if (dir === MIGRATIONS_DIR && cached) return cached;
  const journal = JSON.parse(readFileSync(path.join(dir, "meta/_journal.json"), "utf8")) as {
    entries: Array<{ idx: number; tag: string }>;
  };
  const migrations = journal.entries
    .sort((a, b) => a.idx - b.idx)
    .map((entry, position) => {
      const text = readFileSync(path.join(dir, `${entry.tag}.sql`), "utf8");
      const problems = lintTenantMigration(text);
      if (problems.length > 0) {
        throw new Error(`tenant migration ${entry.tag} cannot run per schema: it ${problems.join("; ")}`);
      }
      const statements = text
        .split("--> statement-breakpoint")
        .map((statement) => statement.trim())
        .filter(Boolean);
      return { version: position + 1, tag: entry.tag, statements };
    });
  if (dir === MIGRATIONS_DIR) cached = migrations;
  return migrations;
}

export function latestTenantVersion(migrations = loadTenantMigrations()): number {
  return migrations.at(-1)?.version ?? 0;
}
