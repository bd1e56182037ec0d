// Run by `npm run db:generate` after drizzle-kit: makes tenant migrations schema-neutral and checks them.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { lintTenantMigration, stripPublicQualifier } from "../tenancy/migration-lint";

if (process.argv.includes("--help")) {
  console.log('Usage: tsx scripts/lint-migrations.ts\nStrips "public". from db/tenant-migrations/*.sql and fails on DDL that cannot run per tenant schema.');
  process.exit(0);
}

const dir = path.resolve("db/tenant-migrations");
let failed = false;
for (const file of readdirSync(dir)
  .filter((name) => name.endsWith(".sql"))
  .sort()) {
  const fullPath = path.join(dir, file);
  const original = readFileSync(fullPath, "utf8");
  const fixed = stripPublicQualifier(original);
  if (fixed !== original) {
    writeFileSync(fullPath, fixed);
    console.log(`${file}: removed "public". qualifiers`);
  }
  const problems = lintTenantMigration(fixed);
  for (const problem of problems) console.error(`${file}: ${problem}`);
  failed ||= problems.length > 0;
}
if (failed) {
  console.error("Tenant migrations must be plain per-schema DDL. Edit the template schema or the SQL, then run again.");
  process.exit(1);
}
console.log("tenant migrations OK");
