import { readFileSync } from "node:fs";
import path from "node:path";
import { test as base } from "@playwright/test";
import { createPlatform, type Platform } from "../tenancy/platform";
import { openDemoWorkspace, type DemoMember, type DemoWorkspace } from "./demo-sessions";
import { MAIN_INSTANCE, type E2eInstance } from "./instances";

/**
 * Browser tests sign in by writing a session row (e2e/demo-sessions.ts); only e2e/sign-in.spec.ts
 * goes through the sign-in form.
 */

function embeddedDatabaseUrl(instance: E2eInstance): string {
  const password = readFileSync(path.join(instance.dataDir, "embedded-password"), "utf8").trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${instance.embeddedPgPort}/conductor`;
}

export const test = base.extend<
  {
    /** The demo workspace of the main e2e server. */
    workspace: DemoWorkspace;
    /** Signs this test's browser context in as a demo member: `await login("agent")`. */
    login: (member?: DemoMember) => Promise<void>;
  },
  { workspaceFor: (instance: E2eInstance) => Promise<DemoWorkspace> }
>({
  workspaceFor: [
    async ({}, use) => {
      const opened = new Map<number, { platform: Platform; workspace: Promise<DemoWorkspace> }>();
      await use((instance) => {
        let entry = opened.get(instance.port);
        if (!entry) {
          const platform = createPlatform([{ id: "main", url: embeddedDatabaseUrl(instance) }], {
            tenantCacheTtlMs: 0,
            poolOptions: { subPools: 1, subPoolMax: 2 },
          });
          entry = { platform, workspace: openDemoWorkspace(platform, instance) };
          opened.set(instance.port, entry);
        }
        return entry.workspace;
      });
      await Promise.all([...opened.values()].map(({ platform }) => platform.close()));
    },
    { scope: "worker" },
  ],
  workspace: async ({ workspaceFor }, use) => {
    await use(await workspaceFor(MAIN_INSTANCE));
  },
  login: async ({ context, workspace }, use) => {
    await use((member) => workspace.signIn(context, member));
  },
});

export { expect } from "@playwright/test";
