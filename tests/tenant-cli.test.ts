import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { acceptInvite } from "../app/team/invites.server";
import { listTenants } from "../tenancy/tenant-registry";
import { openTestPlatform, testDatabaseUrl, uniqueSlug } from "./support/test-platform";

const run = promisify(execFile);
const platform = openTestPlatform();
afterAll(() => platform.close());

async function tenantCli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(path.resolve("node_modules/.bin/tsx"), ["scripts/tenant.ts", ...args], {
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), SHARD_URLS: "" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run tenant", () => {
  it("prints help for the CLI and for each command", async () => {
    const help = await tenantCli("--help");
    expect(help.code).toBe(0);
    for (const command of ["create", "list", "show", "migrate", "suspend", "resume", "drop"]) expect(help.stdout).toContain(command);
    const createHelp = await tenantCli("create", "--help");
    expect(createHelp.stdout).toContain("--admin-email");
    expect(createHelp.stdout).toContain("--shard");
  });

  it("creates, shows, lists, suspends, resumes and drops a tenant", async () => {
    const slug = uniqueSlug("cli");
    const created = await tenantCli("create", slug, "--name", "Cli Co", "--admin-email", `boss@${slug}.test`, "--admin-password", "a long password");
    expect(created).toMatchObject({ code: 0 });
    expect(created.stdout).toContain(`Created tenant ${slug} (Cli Co)`);

    const shown = await tenantCli("show", slug);
    expect(JSON.parse(shown.stdout)).toMatchObject({ slug, name: "Cli Co", status: "active", shard: "main" });

    const listed = JSON.parse((await tenantCli("list", "--json")).stdout) as Array<{ slug: string }>;
    expect(listed.map((t) => t.slug)).toContain(slug);

    expect((await tenantCli("suspend", slug)).code).toBe(0);
    expect((await platform.directory.lookup(slug))?.status).toBe("suspended");
    expect((await tenantCli("resume", slug)).code).toBe(0);
    expect((await platform.directory.lookup(slug))?.status).toBe("active");

    const refused = await tenantCli("drop", slug);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--yes");
    expect((await tenantCli("drop", slug, "--yes")).code).toBe(0);
    expect(await platform.directory.lookup(slug)).toBeNull();
  }, 60_000);

  it("prints a one-time invite link for the first admin when no password is given", async () => {
    const slug = uniqueSlug("inv");
    const created = await tenantCli("create", slug, "--name", "Invite Co", "--admin-email", `first@${slug}.test`);
    expect(created.code).toBe(0);
    const token = new RegExp(`http://${slug}\\.localhost:\\d+/invite/([A-Za-z0-9_-]+)`).exec(created.stdout)?.[1];
    expect(token, created.stdout).toBeDefined();
    const tenant = (await platform.directory.lookup(slug))!;
    const admin = await acceptInvite(platform.router.forTenant(tenant), token!, { name: "First Admin", password: "a long password" });
    expect(admin).toMatchObject({ email: `first@${slug}.test`, role: "admin" });
    await expect(acceptInvite(platform.router.forTenant(tenant), token!, { name: "Again", password: "a long password" })).rejects.toThrow(
      /invalid or has expired/,
    );
  }, 30_000);

  it.each([
    [["create", "bad_slug", "--name", "X", "--admin-email", "a@x.test"], /slug "bad_slug" may contain only lowercase/],
    [["create", "Acme", "--name", "X", "--admin-email", "a@x.test"], /must start with a lowercase letter/],
    [["create", "pgadmin", "--name", "X", "--admin-email", "a@x.test"], /must not start with 'pg'/],
    [["create", "support", "--name", "X", "--admin-email", "a@x.test"], /reserved/],
    [["create", "fine-slug", "--admin-email", "a@x.test"], /required option '--name <name>'/],
    [["create", "fine-slug", "--name", "X", "--admin-email", "nope"], /--admin-email must be an email/],
    [["migrate"], /name one tenant .* or pass --all/],
    [["migrate", "--all", "--concurrency", "0"], /--concurrency must be a whole number/],
    [["show", "no-such-tenant"], /no tenant with slug "no-such-tenant"/],
    [["frobnicate"], /unknown command/],
  ])("refuses %j with a clear message, exit code 2, and nothing written", async (args, message) => {
    const result = await tenantCli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    // Other test files create tenants in parallel, so check the named slug rather than a count.
    if (args[0] === "create") expect((await listTenants(platform.control.db)).map((t) => t.slug)).not.toContain(args[1]);
  });
});
