import { useRouteLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";

/** The centred card used by sign-in, invite and other pages outside the app shell. */
export function AuthCard({ title, subtitle, children }: { title: string; subtitle?: string; children: ReactNode }) {
  const root = useRouteLoaderData<{ workspace: { name: string } }>("root");
  return (
    <div className="flex min-h-full items-center justify-center bg-gradient-primary px-4 py-12">
      <main className="w-full max-w-md rounded-2xl bg-white p-8 shadow-2xl">
        <p className="text-gradient-primary text-sm font-bold uppercase tracking-widest">{root?.workspace.name ?? "Conductor"}</p>
        <h1 className="mt-2 text-2xl font-bold text-slate-900">{title}</h1>
        {subtitle ? <p className="mt-1 text-sm text-slate-600">{subtitle}</p> : null}
        <div className="mt-6 space-y-4">{children}</div>
      </main>
    </div>
  );
}
