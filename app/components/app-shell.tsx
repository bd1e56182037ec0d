import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { Form, NavLink, useLocation, useRouteLoaderData, useSearchParams, useSubmit } from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import type { CurrentUser } from "~/auth/current-user";

export type SidebarTicketCounts = { open: number; unassigned: number; mine: number };

const navLinkClass = (isActive: boolean) =>
  `flex items-center justify-between whitespace-nowrap rounded-lg px-3 py-2 text-sm font-medium transition ${isActive ? "bg-white/20 text-white" : "text-white/85 hover:bg-white/10 hover:text-white"}`;

/** The agent console frame: sidebar with live ticket counts, header with search and the user menu. */
export function AppShell({ workspaceName, user, ticketCounts, children }: { workspaceName: string; user: CurrentUser; ticketCounts: SidebarTicketCounts; children: ReactNode }) {
  return (
    <div className="flex min-h-full flex-col md:flex-row">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <aside className="bg-gradient-primary text-white md:w-60 md:shrink-0">
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
          <UserMenu user={user} />
        </header>
        <main id="main" className="flex-1 px-6 py-8">
          {children}
        </main>
      </div>
    </div>
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

function UserMenu({ user }: { user: CurrentUser }) {
  const submit = useSubmit();
  const csrf = useRouteLoaderData<{ csrfToken: string | null }>("root")?.csrfToken;
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger
        className="flex items-center gap-2 rounded-full border border-slate-200 bg-white py-1 pl-1 pr-3 text-sm font-medium text-slate-800 hover:bg-slate-50"
        aria-label={`Account menu for ${user.name}`}
      >
        <span aria-hidden className="grid h-7 w-7 place-items-center rounded-full bg-gradient-primary text-xs font-bold text-white">
          {initials(user.name)}
        </span>
        <span className="hidden sm:inline">{user.name}</span>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content align="end" sideOffset={6} className="z-50 min-w-52 rounded-xl border border-slate-200 bg-white p-1.5 shadow-xl">
          <DropdownMenu.Label className="px-2.5 py-1.5 text-xs text-slate-500">
            {user.email} · {user.role}
          </DropdownMenu.Label>
          <DropdownMenu.Item asChild>
            <a href="/settings/profile" className="block rounded-lg px-2.5 py-2 text-sm text-slate-800 outline-none data-[highlighted]:bg-slate-100">
              Profile and API tokens
            </a>
          </DropdownMenu.Item>
          <DropdownMenu.Separator className="my-1 h-px bg-slate-100" />
          {/* Submitted programmatically: the menu unmounts on select, which would drop a native submit. */}
          <DropdownMenu.Item
            onSelect={() => submit(csrf ? { csrf } : {}, { method: "post", action: "/logout" })}
            className="w-full cursor-pointer rounded-lg px-2.5 py-2 text-left text-sm text-slate-800 outline-none data-[highlighted]:bg-slate-100"
          >
            Sign out
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join("");
}

/** True while focus is in a field, where single-key shortcuts must not fire. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
