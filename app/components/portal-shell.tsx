import { Form, Link, NavLink, useRouteLoaderData } from "@remix-run/react";
import type { CSSProperties, ReactNode } from "react";
import type { PortalTheme } from "~/portal/portal-theme";

export type PortalBranding = { workspace: string; logoUrl: string | null; theme: PortalTheme };
/** What the portal layout route (routes/portal.tsx) loads for every portal page. */
export type PortalLayoutData = { branding: PortalBranding; customer: { name: string } | null };

export function usePortalLayout(): PortalLayoutData | undefined {
  return useRouteLoaderData<PortalLayoutData>("routes/portal");
}

/** The portal's frame: the workspace's logo, name and colours, its two destinations and the customer's sign-in state. */
export function PortalShell({ branding, customer, children }: { branding: PortalBranding; customer: { name: string } | null; children: ReactNode }) {
  const style = {
    "--portal-accent": branding.theme.accent,
    "--portal-on-accent": branding.theme.onAccent,
    "--portal-header": branding.theme.header,
  } as CSSProperties;
  return (
    <div style={style} className="flex min-h-full flex-col bg-slate-50">
      <header className="[background-image:var(--portal-header)] text-[var(--portal-on-accent)]">
        <div className="mx-auto flex max-w-4xl flex-wrap items-center justify-between gap-4 px-6 py-5">
          <Link to="/portal" className="flex items-center gap-3 rounded-lg" data-testid="portal-brand">
            {branding.logoUrl ? (
              <img
                src={branding.logoUrl}
                alt={`${branding.workspace} logo`}
                referrerPolicy="no-referrer"
                className="h-9 max-w-40 rounded bg-white/90 object-contain p-1"
              />
            ) : (
              <span aria-hidden className="grid h-9 w-9 place-items-center rounded-lg bg-white/20 text-lg font-bold">
                {branding.workspace.slice(0, 1).toUpperCase()}
              </span>
            )}
            <span className="leading-tight">
              <span className="block text-lg font-bold">{branding.workspace}</span>
              <span className="block text-sm opacity-90">Help center</span>
            </span>
          </Link>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <nav aria-label="Portal" className="flex gap-1">
              <PortalNavLink to="/portal/new">Submit a request</PortalNavLink>
              <PortalNavLink to="/portal/tickets">My requests</PortalNavLink>
            </nav>
            {customer ? (
              <Form method="post" action="/portal/logout" className="flex items-center gap-2">
                <span className="hidden opacity-90 sm:inline" data-testid="portal-customer">
                  {customer.name}
                </span>
                <button type="submit" className="rounded-lg border border-current/40 px-3 py-1.5 font-medium hover:bg-white/15">
                  Sign out
                </button>
              </Form>
            ) : (
              <Link to="/portal/login" className="rounded-lg border border-current/40 px-3 py-1.5 font-medium hover:bg-white/15">
                Sign in
              </Link>
            )}
          </div>
        </div>
      </header>
      <main className="mx-auto w-full max-w-4xl flex-1 px-6 py-10">{children}</main>
      <footer className="py-6 text-center text-xs text-slate-500">{branding.workspace} support · powered by Conductor</footer>
    </div>
  );
}

function PortalNavLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <NavLink to={to} className={({ isActive }) => `rounded-lg px-3 py-1.5 font-medium hover:bg-white/15 ${isActive ? "bg-white/20" : ""}`}>
      {children}
    </NavLink>
  );
}

/** The portal's main button, in the workspace's colours. */
export function PortalButton({ children, className, ...props }: React.ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button
      type="submit"
      {...props}
      className={`inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2 text-sm font-semibold text-[var(--portal-on-accent)] shadow transition [background-image:var(--portal-header)] hover:brightness-110 disabled:cursor-not-allowed disabled:opacity-60 ${className ?? ""}`}
    >
      {children}
    </button>
  );
}

/** A link styled as the portal's main button. */
export function PortalButtonLink({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <Link
      to={to}
      className={`inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2 text-sm font-semibold text-[var(--portal-on-accent)] shadow transition [background-image:var(--portal-header)] hover:brightness-110 ${className ?? ""}`}
    >
      {children}
    </Link>
  );
}

export function PortalCard({ title, description, children }: { title?: string; description?: ReactNode; children: ReactNode }) {
  return (
    <section className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
      {title ? <h1 className="text-2xl font-bold text-slate-900">{title}</h1> : null}
      {description ? <p className="mt-1 text-slate-600">{description}</p> : null}
      <div className={title || description ? "mt-6" : undefined}>{children}</div>
    </section>
  );
}
