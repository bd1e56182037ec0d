// Operator CLI: `npm run tenant -- <command>`. Run with --help for the commands.
import "dotenv/config";
import { Command, CommanderError, Option } from "commander";
import { pino } from "pino";
import { ConfigError, loadConfig } from "../app/config.server";
import { openPlatform, type OpenedPlatform } from "../tenancy/platform";
import { createTenant, dropTenant, requireTenant, setTenantStatus, ProvisioningError } from "../tenancy/provisioning";
import { prepareFirstAdmin } from "../app/team/first-admin.server";
import { checkSlug } from "../tenancy/slug";
import { latestTenantVersion } from "../tenancy/tenant-migrations";
import { MigrationLeaseHeldError, migrateAllTenants } from "../tenancy/tenant-migrator";
import { listTenants } from "../tenancy/tenant-registry";
import { CONTROL_POOL_MAX } from "../tenancy/control-plane";
import { dropOrphanSchemas, examineTenants, hasProblems, type DoctorReport } from "../tenancy/tenant-doctor";

/** Thrown for operator mistakes: printed without a stack, exit code 2. */
class UsageError extends Error {}

let opened: OpenedPlatform | undefined;
async function platform(): Promise<OpenedPlatform> {
  const config = loadConfig();
  // The CLI serves no requests, so it keeps no tenant cache worth a LISTEN connection.
  opened ??= await openPlatform(config, pino({ level: "warn" }, pino.destination(2)), { listenForTenantChanges: false });
  return opened;
}

function requireSlug(input: string): string {
  const check = checkSlug(input);
  if (!check.ok)
    throw new UsageError(
      `${check.problem}.\nSlugs are 3–40 lowercase letters, digits and dashes, start with a letter, and are not reserved (www, api, admin, portal, …).`,
    );
  return check.slug;
}

const program = new Command("tenant")
  .description("Manage Conductor tenants (workspaces): create, list, show, migrate, suspend, resume, drop, doctor.")
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

program
  .command("create")
  .description("Create a tenant: its registry row, its schema and its first admin, atomically.")
  .argument("<slug>", "subdomain of the workspace, e.g. acme for acme.<APP_DOMAIN>")
  .requiredOption("--name <name>", 'display name, e.g. "Acme Inc"')
  .requiredOption("--admin-email <email>", "email of the first admin")
  .option("--admin-name <name>", "name of the first admin (default: from the email)")
  .option("--admin-password <password>", "password of the first admin (at least 10 characters); without it a one-time invite link is printed")
  .option("--shard <id>", "database server to place the tenant on (main or a name from SHARD_URLS)", "main")
  .action(async (slug: string, options: { name: string; adminEmail: string; adminName?: string; adminPassword?: string; shard: string }) => {
    requireSlug(slug);
    const p = await platform();
    const started = Date.now();
    const config = loadConfig();
    const { tenant, adminEmail, inviteToken } = await createTenant(
      p.control,
      p.router,
      { slug, ...options },
      { firstAdmin: prepareFirstAdmin, inviteTtlHours: config.INVITE_TTL_HOURS },
    );
    console.log(
      `Created tenant ${tenant.slug} (${tenant.name}) on shard ${tenant.shard}, schema ${tenant.schemaName}, version ${tenant.schemaVersion}, in ${Date.now() - started} ms.`,
    );
    if (inviteToken) {
      const port = config.PORT === 80 ? "" : `:${config.PORT}`;
      console.log(`First admin: ${adminEmail} joins through this one-time link (valid ${config.INVITE_TTL_HOURS} hours):`);
      console.log(`  http://${tenant.slug}.${config.APP_DOMAIN}${port}/invite/${inviteToken}`);
    } else {
      console.log(`First admin: ${adminEmail} (password set)`);
    }
  });

program
  .command("list")
  .description("List tenants with status, shard and schema version.")
  .option("--json", "print JSON for scripts")
  .action(async (options: { json?: boolean }) => {
    const tenants = await listTenants((await platform()).control.db);
    if (options.json) return console.log(JSON.stringify(tenants, null, 2));
    if (tenants.length === 0) return console.log("No tenants yet. Create one with: npm run tenant -- create <slug> --name <name> --admin-email <email>");
    const target = latestTenantVersion();
    console.table(
      tenants.map((t) => ({ slug: t.slug, name: t.name, status: t.status, shard: t.shard, schema: t.schemaName, version: `${t.schemaVersion}/${target}` })),
    );
  });

program
  .command("show")
  .description("Show one tenant.")
  .argument("<slug>")
  .action(async (slug: string) => {
    const tenant = await requireTenant((await platform()).control, requireSlug(slug));
    console.log(JSON.stringify({ ...tenant, latestVersion: latestTenantVersion() }, null, 2));
  });

program
  .command("migrate")
  .description("Apply pending tenant migrations, one transaction per tenant, with bounded concurrency.")
  .argument("[slug]", "one tenant")
  .option("--all", "every tenant behind the latest version")
  .addOption(new Option("--concurrency <n>", "tenants migrated at once").default(4).argParser(positiveInt))
  .action(async (slug: string | undefined, options: { all?: boolean; concurrency: number }) => {
    if (Boolean(slug) === Boolean(options.all)) throw new UsageError("name one tenant (migrate <slug>) or pass --all");
    const p = await platform();
    const slugs = slug ? [(await requireTenant(p.control, requireSlug(slug))).slug] : undefined;
    const started = Date.now();
    const result = await migrateAllTenants(p.control.db, (tenant) => p.router.poolFor(tenant), {
      slugs,
      concurrency: options.concurrency,
      onProgress: ({ done, total, failed }) => {
        if (total === 0) return;
        const line = `migrating tenants: ${done}/${total} done, ${failed} failed`;
        if (process.stdout.isTTY) process.stdout.write(`\r${line}${done === total ? "\n" : ""}`);
        else if (done === total || done % 50 === 0) console.log(line);
      },
    });
    if (result.total === 0) console.log(`All tenants are at version ${result.target}; nothing to do.`);
    else console.log(`Migrated ${result.migrated} of ${result.total} tenants to version ${result.target} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    for (const problem of result.bookkeepingErrors) {
      console.warn(`  ${problem.slug}: migrated, but ${problem.error} (the next run repairs the control-plane record)`);
    }
    if (result.failures.length > 0) {
      for (const failure of result.failures) console.error(`  ${failure.slug}: ${failure.error}`);
      console.error(
        `${result.failures.length} tenant(s) failed and stay at their old version. Fix the cause and run the same command again: it resumes where it stopped.`,
      );
      process.exitCode = 1;
    }
  });

program
  .command("suspend")
  .description("Suspend a tenant: its workspace shows a suspended page; data is kept.")
  .argument("<slug>")
  .action(async (slug: string) => {
    const tenant = await setTenantStatus((await platform()).control, requireSlug(slug), "suspended");
    console.log(`Suspended ${tenant.slug}. Resume with: npm run tenant -- resume ${tenant.slug}`);
  });

program
  .command("resume")
  .description("Resume a suspended tenant.")
  .argument("<slug>")
  .action(async (slug: string) => {
    const tenant = await setTenantStatus((await platform()).control, requireSlug(slug), "active");
    console.log(`Resumed ${tenant.slug}.`);
  });

program
  .command("drop")
  .description("Delete a tenant and ALL its data (its schema is dropped). Cannot be undone.")
  .argument("<slug>")
  .option("--yes", "confirm that the tenant and all its data are to be deleted")
  .action(async (slug: string, options: { yes?: boolean }) => {
    requireSlug(slug);
    if (!options.yes) throw new UsageError(`dropping deletes every ticket, customer and user of "${slug}". Re-run with --yes to confirm.`);
    const p = await platform();
    const tenant = await dropTenant(p.control, p.router, slug);
    console.log(`Dropped ${tenant.slug} (schema ${tenant.schemaName} on shard ${tenant.shard}).`);
  });

program
  .command("doctor")
  .description(
    "Check the tenants: schemas without a registry row (orphans), registry rows without a schema, tenants behind on migrations, and the connection budget. Exits 1 when it finds a problem.",
  )
  .option("--fix", "drop the orphan schemas (asks first; see --yes)")
  .option("--yes", "with --fix: do not ask")
  .option("--json", "print the report as JSON for monitoring")
  .action(async (options: { fix?: boolean; yes?: boolean; json?: boolean }) => {
    const config = loadConfig();
    const p = await platform();
    const report = await examineTenants(p, {
      subPools: config.DB_SUBPOOLS,
      subPoolMax: config.DB_SUBPOOL_MAX,
      workerConcurrency: config.WORKER_CONCURRENCY,
      inlineWorker: config.WORKER_MODE === "inline",
      controlMax: CONTROL_POOL_MAX,
    });
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printReport(report);
    if (options.fix && report.orphanSchemas.length > 0) {
      if (!options.yes && !(await confirm(`Drop ${report.orphanSchemas.length} orphan schema(s) and all their tables? Type "drop" to confirm: `, "drop"))) {
        throw new UsageError("nothing dropped. Run with --fix --yes to drop without asking (e.g. from a script).");
      }
      const dropped = await dropOrphanSchemas(p, report.orphanSchemas);
      console.log(
        `Dropped ${dropped.length} orphan schema(s)${dropped.length < report.orphanSchemas.length ? "; the others gained a registry row meanwhile and were kept" : ""}.`,
      );
      report.orphanSchemas = report.orphanSchemas.filter((orphan) => !dropped.includes(orphan));
    }
    if (hasProblems(report)) process.exitCode = 1;
  });

function printReport(report: DoctorReport): void {
  const section = (title: string, lines: string[], ok: string) =>
    console.log(`${title}\n${(lines.length ? lines : [ok]).map((line) => `  ${line}`).join("\n")}\n`);
  section(
    "Orphan schemas (no registry row):",
    report.orphanSchemas.map((orphan) => `${orphan.schema} on shard ${orphan.shard}`),
    "none",
  );
  section(
    "Registry rows whose schema is missing:",
    report.missingSchemas.map((missing) => `${missing.slug}: ${missing.schema} is not on shard ${missing.shard}`),
    "none",
  );
  section(
    "Tenants behind on migrations:",
    report.behind.map((tenant) => `${tenant.slug}: version ${tenant.version} of ${tenant.latest} (npm run tenant -- migrate --all)`),
    "none",
  );
  section(
    "Connection budget (per process):",
    report.budget.perProcess.map((row) => {
      const server = report.budget.shards.find((shard) => shard.shard === row.shard)!;
      return `shard ${row.shard}: up to ${row.connections} (${row.detail}); max_connections ${server.maxConnections} − ${server.reserved} reserved, ${server.inUse} in use now: ${server.processesThatFit} more such process(es) fit`;
    }),
    "no shards",
  );
  if (report.orphanSchemas.length > 0) console.log("Drop the orphans with: npm run tenant -- doctor --fix");
}

async function confirm(question: string, expected: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import("node:readline/promises");
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question(question)).trim() === expected;
  } finally {
    prompt.close();
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency must be a whole number from 1 to 64, not "${value}"`);
  return n;
}

async function run() {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if (error instanceof UsageError || error instanceof ProvisioningError || error instanceof ConfigError || error instanceof MigrationLeaseHeldError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 2;
    } else {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      if (process.env.LOG_LEVEL === "debug" && error instanceof Error) console.error(error.stack);
      process.exitCode = 1;
    }
  } finally {
    await opened?.close();
  }
}

await run();
