import type { LoaderFunctionArgs } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";

export const handle = access("agent");

export function loader({ context }: LoaderFunctionArgs) {
  return { isAdmin: requireUser(context).role === "admin" };
}

export default function SettingsLayout() {
  const { isAdmin } = useLoaderData<typeof loader>();
  const tabs = [
    { to: "/settings/profile", label: "Profile", show: true },
    { to: "/settings/team", label: "Team", show: isAdmin },
    { to: "/settings/sso", label: "Single sign-on", show: isAdmin },
    { to: "/settings/portal", label: "Portal", show: isAdmin },
    { to: "/settings/email", label: "Email", show: isAdmin },
    { to: "/settings/business-hours", label: "Business hours", show: isAdmin },
    { to: "/settings/sla", label: "Service levels", show: isAdmin },
    { to: "/settings/statuses", label: "Statuses", show: isAdmin },
    { to: "/settings/macros", label: "Macros", show: true },
    { to: "/settings/webhooks", label: "Webhooks", show: isAdmin },
    { to: "/settings/triggers", label: "Triggers", show: isAdmin },
  ];
  return (
    <div className="mx-auto max-w-4xl">
      <h1 className="text-2xl font-bold text-slate-900">Settings</h1>
      {/* The tabs are wider than a phone: the row scrolls sideways instead of the page. */}
      <nav aria-label="Settings" className="mt-4 flex gap-2 overflow-x-auto border-b border-slate-200">
        {tabs
          .filter((tab) => tab.show)
          .map((tab) => (
            <NavLink
              key={tab.to}
              to={tab.to}
              className={({ isActive }) =>
                `-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${isActive ? "border-brand-500 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`
              }
            >
              {tab.label}
            </NavLink>
          ))}
      </nav>
      <div className="mt-6">
        <Outlet />
      </div>
    </div>
  );
}
