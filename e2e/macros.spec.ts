import { eq } from "drizzle-orm";
import { DEMO_TENANT } from "../app/demo/demo-seed.server";
import { createMacro, getMacro } from "../app/macros/macros.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import { expect, test } from "./fixtures";

test("an agent applies a macro with :: in the composer, undoes it, applies it again and sends", async ({ page, login, workspace }) => {
  const marker = Date.now().toString(36);
  const { handle } = workspace;
  const [agent] = await handle.db
    .select({ id: handle.t.users.id, name: handle.t.users.name })
    .from(handle.t.users)
    .where(eq(handle.t.users.email, DEMO_TENANT.agent.email));
  const viewer = { id: agent!.id, role: "agent" as const, name: agent!.name };
  const macro = await createMacro(handle, viewer, {
    name: `Ask for logs ${marker}`,
    shared: false,
    bodyKind: "reply",
    body: "Hi {{customer.first_name}}, could you send the logs for #{{ticket.number}}?",
    actions: { priority: "urgent", addTags: ["logs"] },
  });
  const ticket = await createTicket(
    handle,
    { type: "agent", userId: agent!.id },
    { customer: { name: `Quinn Tester`, email: `quinn-${marker}@customers.test` }, subject: `Crash ${marker}`, message: "It crashed", channel: "email" },
  );

  await login("agent");
  await page.goto(`/tickets/${ticket.number}`);
  const composer = page.getByRole("textbox", { name: "Reply to the customer" });
  await composer.fill("Thanks! ");
  await composer.pressSequentially(`::logs ${marker}`);
  const suggestions = page.getByTestId("inline-macros");
  await expect(suggestions.getByRole("option", { name: new RegExp(`Ask for logs ${marker}`) })).toBeVisible();
  await composer.press("Enter");
  const rendered = `Thanks! Hi Quinn, could you send the logs for #${ticket.number}?`;
  await expect(composer).toHaveValue(rendered);
  await expect(page.getByTestId("macro-applied")).toContainText("Nothing is saved until you send or save");
  await expect(page.locator("#prop-tags")).toHaveValue("logs");

  // Undo puts back what was there; nothing was saved.
  await page.getByTestId("macro-applied").getByRole("button", { name: "Undo" }).click();
  await expect(composer).toHaveValue(`Thanks! ::logs ${marker}`);
  await expect(page.locator("#prop-tags")).toHaveValue("");
  expect((await getMacro(handle, viewer, macro.id)).usageCount).toBe(0);

  await composer.fill("");
  await composer.pressSequentially(`::logs ${marker}`);
  await composer.press("ArrowDown");
  await composer.press("ArrowUp");
  await composer.press("Enter");
  await expect(composer).toHaveValue(`Hi Quinn, could you send the logs for #${ticket.number}?`);
  await page.getByRole("button", { name: "Send reply" }).click();
  await expect(page.getByText("Reply sent.")).toBeVisible();
  await expect(page.getByTestId("message").last()).toContainText(`Hi Quinn, could you send the logs for #${ticket.number}?`);
  await expect.poll(async () => (await getMacro(handle, viewer, macro.id)).usageCount).toBe(1);

  // The properties it filled in are still to be saved.
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const [saved] = await handle.db
    .select({ priority: handle.t.tickets.priority, tags: handle.t.tickets.tags })
    .from(handle.t.tickets)
    .where(eq(handle.t.tickets.number, ticket.number));
  expect(saved).toEqual({ priority: "urgent", tags: ["logs"] });
  expect((await getMacro(handle, viewer, macro.id)).usageCount).toBe(1);
});
