import { readFileSync } from "node:fs";
import path from "node:path";
import { flatRoutes } from "@remix-run/dev/dist/config/flat-routes.js";
import { desc, eq, sql } from "drizzle-orm";
import { hashToken, randomToken } from "../app/auth/tokens.server";
import { DEMO_TENANT } from "../app/demo/demo-seed.server";
import { requestReceipt } from "../app/portal/portal-requests.server";
import { sendSignInCode } from "../app/portal/sign-in-codes.server";
import { createInvite } from "../app/team/invites.server";
import remixConfig from "../remix.config.js";
import type { DemoWorkspace } from "./demo-sessions";

/**
 * Every screen of the app, generated from the route files the build uses, for the specs that
 * visit them all (accessibility, no errors on load). A new route either becomes a screen here
 * on its own, or makes these specs fail until it is given parameters or listed as no screen.
 */

/** Who opens the screen: an admin sees every agent screen; portal screens behind sign-in need a customer. */
export const AUDIENCES = ["admin", "customer", "anonymous"] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Rows the screens with parameters show, created by `prepareScreenData` in the demo workspace. */
export type ScreenData = {
  ticketNumber: number;
  customerId: number;
  inviteToken: string;
  portalLinkToken: string;
  resetToken: string;
  mailboxEmailId: number;
  receipt: string;
  agentId: number;
};

export type Screen = { routeId: string; path: string; audience: Audience; urls(data: ScreenData): string[] };

/** Routes that render no screen of their own, and why. */
const NOT_SCREENS: Record<string, string> = {
  "routes/_app": "layout: the agent shell around every agent screen",
  "routes/_app.settings": "layout: the settings tabs",
  "routes/_app.settings._index": "redirect to /settings/profile",
  "routes/portal": "layout: the help center shell",
  "routes/logout": "action only",
  "routes/portal.logout": "action only",
  "routes/auth.sso": "redirect to the identity provider",
  "routes/auth.sso.callback": "redirect back from the identity provider",
  "routes/_app.tickets.$number.attachments.$id": "file download",
  "routes/portal.tickets.$number.attachments.$id": "file download",
  "routes/api.$": "API",
  "routes/api.auth.me": "API",
  "routes/api.customers": "API",
  "routes/api.customers.$id": "API",
  "routes/api.dashboard.activity": "API",
  "routes/api.dashboard.stats": "API",
  "routes/api.openapi[.]json": "API",
  "routes/api.tickets": "API",
  "routes/api.ticket-statuses": "API",
  "routes/api.webhooks": "API",
  "routes/api.webhooks.$id": "API",
  "routes/api.webhooks.$id.secret": "API",
  "routes/api.webhooks.$id.deliveries": "API",
  "routes/api.webhooks.$id.[test]": "API",
  "routes/api.webhooks.$id.deliveries.$deliveryId.redeliver": "API",
  "routes/api.tickets.$number": "API",
  "routes/api.tickets.$number.messages": "API",
};

/** Concrete addresses for screens with parameters, and extra states worth a visit. */
const SCREEN_URLS: Record<string, (data: ScreenData) => string[]> = {
  "routes/_app.tickets._index": () => ["/tickets", "/tickets?q=refund&status=all"],
  "routes/_app.tickets.$number": ({ ticketNumber }) => [`/tickets/${ticketNumber}`],
  "routes/_app.customers.$id": ({ customerId }) => [`/customers/${customerId}`],
  "routes/_app.customers.$id.edit": ({ customerId }) => [`/customers/${customerId}/edit`],
  // A well-formed link that matches no claim: the screen that says so.
  "routes/_app.settings.email_.verify.$token": () => [`/settings/email/verify/${"A".repeat(43)}`],
  // The same form creates (/settings/sla/new) and edits a policy; the demo workspace has no policy to edit.
  "routes/_app.settings.sla_.$id": () => ["/settings/sla/new"],
  // The same page creates (/settings/webhooks/new) and shows a webhook; the demo workspace has none.
  "routes/_app.settings.webhooks_.$id": () => ["/settings/webhooks/new"],
  "routes/_app.settings.triggers_.$id": () => ["/settings/triggers/new"],
  "routes/_app.settings.team_.$id.sessions": ({ agentId }) => [`/settings/team/${agentId}/sessions`],
  "routes/dev.mailbox.$id": ({ mailboxEmailId }) => [`/dev/mailbox/${mailboxEmailId}`],
  "routes/invite.$token": ({ inviteToken }) => [`/invite/${inviteToken}`],
  "routes/reset-password.$token": ({ resetToken }) => [`/reset-password/${resetToken}`],
  // A well-formed link that matches no email change: the screen that says so (answered with 200, see the route).
  "routes/confirm-email.$token": () => [`/confirm-email/${"A".repeat(43)}`],
  "routes/portal.login_.$token": ({ portalLinkToken }) => [`/portal/login/${portalLinkToken}`],
  "routes/portal.received.$number": ({ ticketNumber, receipt }) => [`/portal/received/${ticketNumber}?receipt=${receipt}`],
  "routes/portal.tickets.$number": ({ ticketNumber }) => [`/portal/tickets/${ticketNumber}`],
};

const CUSTOMER_SCREENS = new Set(["routes/portal.tickets._index", "routes/portal.tickets.$number"]);

type RouteEntry = { id: string; parentId?: string; path?: string; index?: boolean; file: string };

export function listScreens(): Screen[] {
  const routes = Object.values(flatRoutes("app", remixConfig.ignoredRouteFiles)) as RouteEntry[];
  const byId = new Map(routes.map((route) => [route.id, route]));
  const stale = [...Object.keys(NOT_SCREENS), ...Object.keys(SCREEN_URLS), ...CUSTOMER_SCREENS].filter((id) => !byId.has(id));
  const problems = stale.map((id) => `${id} is listed in e2e/screens.ts but is no route`);
  const fullPath = (route: RouteEntry): string => {
    const parent = route.parentId ? byId.get(route.parentId) : undefined;
    return [parent ? fullPath(parent) : "", route.path ?? ""].filter(Boolean).join("/");
  };
  const screens: Screen[] = [];
  for (const route of routes) {
    if (route.id in NOT_SCREENS) continue;
    const routePath = `/${fullPath(route)}`;
    const urls = SCREEN_URLS[route.id];
    if (!/^export default /m.test(readFileSync(path.join("app", route.file), "utf8"))) {
      problems.push(`${route.id} renders no screen (no default export): list it in NOT_SCREENS with the reason`);
    } else if (/[:*]/.test(routePath) && !urls) {
      problems.push(`${route.id} (${routePath}) has parameters: give it concrete addresses in SCREEN_URLS`);
    } else {
      const audience: Audience = CUSTOMER_SCREENS.has(route.id) ? "customer" : isUnder(route, "routes/_app", byId) ? "admin" : "anonymous";
      screens.push({ routeId: route.id, path: routePath, audience, urls: urls ?? (() => [routePath]) });
    }
  }
  if (problems.length) throw new Error(`e2e/screens.ts does not cover every route:\n${problems.join("\n")}`);
  return screens.sort((a, b) => a.path.localeCompare(b.path));
}

function isUnder(route: RouteEntry, ancestorId: string, byId: Map<string, RouteEntry>): boolean {
  for (let id: string | undefined = route.parentId; id; id = byId.get(id)?.parentId) if (id === ancestorId) return true;
  return false;
}

/**
 * The rows behind the screens with parameters: the demo's first ticket and its customer, a fresh
 * invite, a portal sign-in link (read back from the outbox, where its email is queued) and the
 * invite's email in the development mailbox.
 */
export async function prepareScreenData({ handle, server }: DemoWorkspace): Promise<ScreenData> {
  const { db, t, tenant } = handle;
  const [ticket] = await db
    .select({ number: t.tickets.number, customerId: t.tickets.customerId, email: t.customers.email })
    .from(t.tickets)
    .innerJoin(t.customers, eq(t.customers.id, t.tickets.customerId))
    .orderBy(t.tickets.number)
    .limit(1);
  if (!ticket) throw new Error("the demo workspace has no tickets");
  const origin = server.baseURL;
  const newestEmail = async () => (await db.select().from(t.outboundEmails).orderBy(desc(t.outboundEmails.id)).limit(1))[0]!;

  await sendSignInCode(handle, { secret: server.sessionSecret, tenantId: tenant.id }, { email: ticket.email, origin });
  const portalLinkToken = /\/portal\/login\/([A-Za-z0-9_-]{43})/.exec((await newestEmail()).textBody ?? "")?.[1];
  if (!portalLinkToken) throw new Error("the portal sign-in email carries no link");

  const { token: inviteToken } = await createInvite(handle, null, { email: `invitee.${Date.now()}@example.com`, role: "agent" }, 72, { origin });
  // A reset link as the forgot-password email carries it (opening the page does not use it up).
  const resetToken = randomToken();
  const [agent] = await db.select({ id: t.users.id }).from(t.users).where(eq(t.users.email, DEMO_TENANT.agent.email));
  await db.insert(t.passwordResets).values({ userId: agent!.id, tokenHash: hashToken(resetToken), expiresAt: sql`now() + interval '1 day'` });
  return {
    ticketNumber: ticket.number,
    customerId: ticket.customerId,
    inviteToken,
    portalLinkToken,
    resetToken,
    mailboxEmailId: (await newestEmail()).id,
    receipt: requestReceipt(server.sessionSecret, tenant.id, ticket.number),
    agentId: agent!.id,
  };
}
