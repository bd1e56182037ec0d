import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { ticketStatusCounts } from "~/tickets/ticket-counts.server";

export const handle = access("agent");

export async function loader({ context }: LoaderFunctionArgs) {
  const user = requireUser(context);
  return { firstName: user.name.split(" ")[0], counts: await ticketStatusCounts(context.db) };
}

export default function Dashboard() {
  const { firstName, counts } = useLoaderData<typeof loader>();
  const cards = [
    { label: "Open", value: counts.open, accent: "bg-gradient-primary" },
    { label: "Pending", value: counts.pending, accent: "bg-gradient-secondary" },
    { label: "Solved", value: counts.solved, accent: "bg-gradient-success" },
  ];
  return (
    <div className="mx-auto max-w-5xl">
      <h1 className="text-2xl font-bold text-slate-900">Welcome back, {firstName}</h1>
      <p className="mt-1 text-slate-600">Here is where your team's tickets stand.</p>
      <dl className="mt-8 grid gap-4 sm:grid-cols-3">
        {cards.map((card) => (
          <div key={card.label} className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
            <div className={`h-1.5 ${card.accent}`} />
            <div className="p-5">
              <dt className="text-sm font-medium text-slate-600">{card.label}</dt>
              <dd className="mt-1 text-3xl font-bold text-slate-900">{card.value}</dd>
            </div>
          </div>
        ))}
      </dl>
    </div>
  );
}
