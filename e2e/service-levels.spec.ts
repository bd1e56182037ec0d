import { eq, sql } from "drizzle-orm";
import { DEMO_TENANT } from "../app/demo/demo-seed.server";
import { recordTenantSlaAlerts } from "../app/service-levels/sla-alert-job.server";
import { createTicket } from "../app/tickets/ticket-commands.server";
import { expect, test } from "./fixtures";

test("an admin sets business hours and an SLA policy; an agent watches a ticket's clock, pauses it, and sees the breach", async ({
  page,
  login,
  workspace,
  baseURL,
}) => {
  const marker = Date.now().toString(36);
  const tag = `sla-${marker}`;

  await login("admin");
  await page.goto("/settings/business-hours");
  await page.getByLabel("Name").fill(`Weekdays ${marker}`);
  await page.getByLabel("Time zone").selectOption("Europe/Berlin");
  await page.getByRole("button", { name: "Create schedule" }).click();
  await expect(page.getByText(`Weekdays ${marker}`).first()).toBeVisible();

  await page.goto("/settings/sla/new");
  await page.getByLabel("Name").fill(`Tagged ${marker}`);
  await page.getByLabel("Tags").fill(tag);
  await page.getByLabel("Normal: First reply").fill("2h");
  await page.getByLabel("Normal: Resolution").fill("1d");
  await page.getByLabel("Measured in").selectOption({ label: "Calendar hours (around the clock)" });
  await page.getByRole("button", { name: "Create policy" }).click();
  await expect(page).toHaveURL(/\/settings\/sla\?notice=created/);
  await expect(page.getByText(`Tagged ${marker}`)).toBeVisible();

  // A customer writes in, tagged for the policy and assigned to the demo agent (as a rule or an agent would).
  const { handle } = workspace;
  const [agent] = await handle.db.select({ id: handle.t.users.id }).from(handle.t.users).where(eq(handle.t.users.email, DEMO_TENANT.agent.email));
  const ticket = await createTicket(
    handle,
    { type: "agent", userId: agent!.id },
    {
      customer: { name: "Sam Waiting", email: `sam-${marker}@customers.test` },
      subject: `Clock ${marker}`,
      message: "Is anyone there?",
      channel: "email",
      tags: [tag],
      assigneeId: agent!.id,
    },
  );

  await page.context().clearCookies();
  await login("agent");
  await page.goto(`/tickets?sort=next_breach&q=${marker}`);
  await expect(page.getByTestId("ticket-row").first().getByTestId("sla-cell")).toHaveText(/1 h 5\d m left|2 h left/);

  await page.goto(`/tickets/${ticket.number}`);
  const panel = page.getByTestId("sla-panel");
  await expect(panel).toContainText(`Tagged ${marker}`);
  await expect(panel.getByTestId("sla-firstReply")).toContainText("Running");
  await expect(panel.getByTestId("sla-resolution")).toContainText("Running");

  // Pending pauses resolution; the reply clock keeps running.
  await page.getByRole("combobox", { name: "Status" }).click();
  await page.getByRole("option", { name: "Pending" }).click();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await expect(panel.getByTestId("sla-resolution")).toContainText("Paused");
  await expect(panel.getByTestId("sla-firstReply")).toContainText("Running");

  // Three hours pass: the ticket's history moves back, and the alert job (its minute's run) finds the breach.
  await handle.db.execute(sql`update ${handle.t.ticketSlaEvents} set at = at - interval '3 hours' where ticket_id = ${ticket.id}`);
  await handle.db.execute(sql`update ${handle.t.ticketSlas} set next_alert_at = now() where ticket_id = ${ticket.id}`);
  await recordTenantSlaAlerts(handle, baseURL!);

  await page.reload();
  await expect(panel.getByTestId("sla-firstReply")).toContainText("Breached");
  const history = page.getByRole("complementary", { name: "Ticket details" });
  await expect(history.getByText(/SLA breached: first reply, 1 h( \d+ min)? late/)).toBeVisible();

  await page.goto("/dev/mailbox");
  await expect(page.getByText(`[#${ticket.number}] SLA breached: Clock ${marker}`)).toBeVisible();
});
