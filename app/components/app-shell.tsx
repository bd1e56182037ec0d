import { Form, NavLink, useLocation, useNavigation, useSearchParams } from "@remix-run/react";
import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { useHydrated } from "~/hooks/use-hydrated";
import { UserMenuTrigger } from "./user-menu-trigger";

// Radix's menu is a third of a screen's JavaScript budget: it loads after hydration, behind a look-alike button.
const UserMenu = lazy(() => import("./user-menu"));
import type { CurrentUser } from "~/auth/current-user";

export type SidebarTicketCounts = { new: number; open: number; unassigned: number; mine: number };

const navLinkClass = (isActive: boolean) =>
  `flex items-center justify-between whitespace-nowrap rounded-lg px-3 py-2 text-sm font-medium transition ${isActive ? "bg-white/20 text-white" : "text-white/85 hover:bg-white/10 hover:text-white"}`;

/** The agent console frame: sidebar with live ticket counts, header with search and the user menu. */
export function AppShell({
  workspaceName,
  user,
  ticketCounts,
  children,
}: {
  workspaceName: string;
  user: CurrentUser;
  ticketCounts: SidebarTicketCounts;
  children: ReactNode;
}) {
  const navigation = useNavigation();
  return (
    <div className="flex min-h-full flex-col md:flex-row">
      {navigation.state !== "idle" ? (
        <div role="progressbar" aria-label="Loading" className="fixed inset-x-0 top-0 z-50 h-1 animate-pulse bg-gradient-primary" />
      ) : null}
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <aside className="min-w-0 bg-gradient-primary text-white md:w-60 md:shrink-0">
        <div className="md:sticky md:top-0">
          <div className="flex items-center justify-between px-5 py-4 md:block">
            <p className="text-lg font-bold tracking-wide">Conductor</p>
            <p className="text-sm text-white/85 md:mt-1" data-testid="workspace-name">
              {workspaceName}
            </p>
          </div>
          <nav aria-label="Main" className="flex gap-1 overflow-x-auto px-3 pb-3 md:flex-col md:pb-0">
            <NavLink to="/dashboard" prefetch="intent" className={({ isActive }) => navLinkClass(isActive)}>
              Dashboard
            </NavLink>
            <NavLink to="/tickets" end prefetch="intent" className={({ isActive }) => navLinkClass(isActive)}>
              Tickets
            </NavLink>
            <TicketViewLink to="/tickets?status=new" label="New" count={ticketCounts.new} />
            <TicketViewLink to="/tickets?status=open" label="Open" count={ticketCounts.open} />
            <TicketViewLink to="/tickets?assignee=unassigned" label="Unassigned" count={ticketCounts.unassigned} />
            <TicketViewLink to="/tickets?assignee=me" label="Mine" count={ticketCounts.mine} />
            <NavLink to="/customers" prefetch="intent" className={({ isActive }) => navLinkClass(isActive)}>
              Customers
            </NavLink>
            <NavLink to={user.role === "admin" ? "/settings/team" : "/settings/profile"} prefetch="intent" className={({ isActive }) => navLinkClass(isActive)}>
              Settings
            </NavLink>
          </nav>
        </div>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between gap-4 border-b border-slate-200 bg-white px-6 py-3">
          <p className="hidden truncate font-semibold text-slate-900 lg:block">{workspaceName}</p>
          <GlobalSearch />
          <AccountMenu user={user} />
        </header>
        <main id="main" className="flex-1 px-6 py-8">
          {children}
        </main>
      </div>
    </div>
  );
}

function AccountMenu({ user }: { user: CurrentUser }) {
  const hydrated = useHydrated();
  const placeholder = <UserMenuTrigger user={user} />;
  if (!hydrated) return placeholder;
  return (
    <Suspense fallback={placeholder}>
      <UserMenu user={user} />
    </Suspense>
  );
}

/** A saved view under "Tickets"; active when the list shows exactly this view. */
function TicketViewLink({ to, label, count }: { to: string; label: string; count: number }) {
  const location = useLocation();
  const active = location.pathname + location.search === to;
  return (
    <NavLink to={to} prefetch="intent" aria-current={active ? "page" : undefined} className={`${navLinkClass(active)} md:ml-3`}>
      <span>
        {label}
        <span className="sr-only">: </span>
      </span>
      <span className="ml-2 rounded-full bg-white/20 px-2 text-xs font-semibold tabular-nums" data-testid={`count-${label.toLowerCase()}`}>
        {count}
      </span>
    </NavLink>
  );
}

/** Searches every ticket's subject and messages; "/" focuses it from anywhere. */
function GlobalSearch() {
  const [params] = useSearchParams();
  const location = useLocation();
  const current = location.pathname === "/tickets" ? (params.get("q") ?? "") : "";
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "/" || event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target)) return;
      event.preventDefault();
      document.getElementById("global-search")?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <Form method="get" action="/tickets" role="search" className="min-w-0 max-w-md flex-1">
      <input type="hidden" name="status" value="all" />
      <label htmlFor="global-search" className="sr-only">
        Search tickets
      </label>
      <input
        id="global-search"
        key={current}
        name="q"
        type="search"
        defaultValue={current}
        placeholder="Search tickets…  (press /)"
        aria-keyshortcuts="/"
        className="block w-full rounded-lg border border-slate-300 bg-slate-50 px-3 py-1.5 text-sm text-slate-900 outline-none focus:border-brand-500 focus:bg-white focus:ring-2 focus:ring-brand-500/30"
      />
    </Form>
  );
}

/** True while focus is in a field, where single-key shortcuts must not fire. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
