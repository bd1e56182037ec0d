import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { useRouteLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import type { loader as rootLoader } from "~/root";

export const handle = access("public");

export function loader({ context }: LoaderFunctionArgs) {
  if (context.auth) throw redirect("/dashboard");
  return null;
}

export default function WorkspaceHome() {
  const data = useRouteLoaderData<typeof rootLoader>("root");
  const name = data?.workspace.name ?? "Your workspace";
  return (
    <div className="min-h-full bg-gradient-primary">
      <header className="mx-auto flex max-w-5xl items-center justify-between px-6 py-6 text-white">
        <span className="text-lg font-bold tracking-wide">Conductor</span>
        <span className="rounded-full bg-white/15 px-3 py-1 text-sm" data-testid="workspace-name">
          {name}
        </span>
      </header>
      <main className="mx-auto grid max-w-5xl gap-6 px-6 pb-16 pt-8 md:grid-cols-2">
        <section className="md:col-span-2">
          <h1 className="text-4xl font-bold text-white">{name} support</h1>
          <p className="mt-2 text-lg text-white/85">Agents work tickets here; customers follow their requests in the portal.</p>
        </section>
        <a href="/login" className="group rounded-2xl bg-white p-6 shadow-xl transition hover:-translate-y-0.5">
          <h2 className="text-xl font-semibold text-slate-900">Agents and admins</h2>
          <p className="mt-2 text-slate-600">Sign in to the agent console: dashboard, tickets and customers.</p>
          <span className="mt-4 inline-block font-medium text-brand-600 group-hover:underline">Sign in →</span>
        </a>
        <a href="/portal" className="group rounded-2xl bg-white p-6 shadow-xl transition hover:-translate-y-0.5">
          <h2 className="text-xl font-semibold text-slate-900">Customers</h2>
          <p className="mt-2 text-slate-600">Submit a request or follow the ones you have sent.</p>
          <span className="mt-4 inline-block font-medium text-brand-600 group-hover:underline">Open the help center →</span>
        </a>
      </main>
    </div>
  );
}
