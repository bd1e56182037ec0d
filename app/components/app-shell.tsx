import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { NavLink, useRouteLoaderData, useSubmit } from "@remix-run/react";
import type { ReactNode } from "react";
import type { CurrentUser } from "~/auth/current-user";

type NavItem = { to: string; label: string; adminOnly?: boolean };

const NAV: NavItem[] = [
  { to: "/dashboard", label: "Dashboard" },
  { to: "/settings/profile", label: "Settings" },
];

/** The agent console frame: sidebar, header with the workspace name, and the user menu. */
export function AppShell({ workspaceName, user, children }: { workspaceName: string; user: CurrentUser; children: ReactNode }) {
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
          {NAV.filter((item) => !item.adminOnly || user.role === "admin").map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              prefetch="intent"
              className={({ isActive }) =>
                `whitespace-nowrap rounded-lg px-3 py-2 text-sm font-medium transition ${isActive ? "bg-white/20 text-white" : "text-white/85 hover:bg-white/10 hover:text-white"}`
              }
            >
              {item.label}
            </NavLink>
          ))}
        </nav>
        </div>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between gap-4 border-b border-slate-200 bg-white px-6 py-3">
          <p className="truncate font-semibold text-slate-900">{workspaceName}</p>
          <UserMenu user={user} />
        </header>
        <main id="main" className="flex-1 px-6 py-8">
          {children}
        </main>
      </div>
    </div>
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
