import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// `npm run lint` enforces the layers (README, "Layout"); these prove the rules fire, by linting a real
// file of each layer with one offending import added, so a config change that silences them fails here.
const root = path.resolve(import.meta.dirname, "..");
const eslint = new ESLint({ cwd: root });

async function problemsOf(file: string, addedImport: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${addedImport}\nexport const probe = imported;\n`, { filePath: path.join(root, file) });
  return result!.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe("lint: layers point down, no cycles, no .server values in browser code", () => {
  it.each([
    ["db/schema-name.ts", 'import { resolveHost as imported } from "../tenancy/host";', "db/ may only import from the layers below it"],
    ["tenancy/slug.ts", 'import { AppError as imported } from "../app/app-error";', "tenancy/ may only import from the layers below it"],
    ["app/tickets/ticket-labels.ts", 'import { respondToRouteError as imported } from "../http/route-errors.server";', "A domain module may only import"],
    ["app/config.server.ts", 'import { Badge as imported } from "./components/badges";', "A domain module may only import"],
    ["app/http/refusal.server.ts", 'import { default as imported } from "../routes/_app";', "app/http may only import"],
    ["app/components/badges.tsx", 'import { seedDemoWorkspace as imported } from "../demo/demo-seed.server";', "A route or component may only import"],
  ])("%s cannot import upward", async (file, addedImport, expected) => {
    const problems = await problemsOf(file, addedImport);
    expect(problems.filter((problem) => problem.startsWith("import-x/no-restricted-paths:")).join("\n")).toContain(expected);
  });

  it("refuses an import cycle", async () => {
    // app-error is imported by the ticket commands; importing them back closes a loop.
    const problems = await problemsOf("app/app-error.ts", 'import { updateTicket as imported } from "./tickets/ticket-commands.server";');
    expect(problems.some((problem) => problem.startsWith("import-x/no-cycle:"))).toBe(true);
  });

  it("refuses a value from a .server module in browser code, and allows its types", async () => {
    const value = await problemsOf("app/components/badges.tsx", 'import { listTickets as imported } from "../tickets/ticket-list.server";');
    expect(value.some((problem) => problem.startsWith("@typescript-eslint/no-restricted-imports:"))).toBe(true);
    const typeOnly = await problemsOf("app/components/badges.tsx", 'import type { TicketListRow as imported } from "../tickets/ticket-list.server";');
    expect(typeOnly.filter((problem) => problem.startsWith("@typescript-eslint/no-restricted-imports:"))).toEqual([]);
  });

  it("accepts the tree as it is", async () => {
    const problems = await problemsOf("app/tickets/ticket-labels.ts", 'import { AppError as imported } from "../app-error";');
    expect(problems.filter((problem) => /no-restricted-paths|no-cycle|no-restricted-imports/.test(problem))).toEqual([]);
  });
});
