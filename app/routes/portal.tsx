import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { PortalErrorBoundary } from "~/components/portal-error";
import { PortalShell, usePortalLayout, type PortalBranding, type PortalLayoutData } from "~/components/portal-shell";
import { getPortalCustomer } from "~/portal/customer-sessions.server";
import { getPortalSettings } from "~/portal/portal-settings.server";
import { portalTheme } from "~/portal/portal-theme";

/** Public: the portal checks the customer's own session where it needs one. */
export const handle = access("public");

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.branding.workspace} help center` : "Help center" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const [settings, customer] = await Promise.all([getPortalSettings(context.db), getPortalCustomer(request, context)]);
  const branding: PortalBranding = { workspace: context.tenant.name, logoUrl: settings.logoUrl, theme: portalTheme(settings.accentColor) };
  return { branding, customer: customer ? { name: customer.name } : null } satisfies PortalLayoutData;
}

export default function PortalLayout() {
  const { branding, customer } = useLoaderData<typeof loader>();
  return (
    <PortalShell branding={branding} customer={customer}>
      <Outlet />
    </PortalShell>
  );
}

/** Errors of the layout itself (its loader): the frame cannot be drawn, so a bare card. */
export function ErrorBoundary() {
  const data = usePortalLayout();
  return data ? (
    <PortalShell branding={data.branding} customer={data.customer}>
      <PortalErrorBoundary />
    </PortalShell>
  ) : (
    <div className="px-6 py-16">
      <PortalErrorBoundary />
    </div>
  );
}
