import { defineConfig } from "drizzle-kit";

// Generated SQL is applied per tenant under `SET LOCAL search_path TO "t_…"`;
// scripts/lint-migrations.ts strips drizzle-kit's "public". qualifiers and rejects what cannot run per schema.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/tenant-template.ts",
  out: "./db/tenant-migrations",
});
