import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { access } from "~/auth/access";
import type { TicketListItem } from "~/tickets/ticket-list.server";

/**
 * `npm run bench:agent`'s baseline: the same middleware (tenant, session, access wrapper) and the
 * same single-fetch and rendering path as a screen, but a loader without any query. Registered
 * only in builds made with CONDUCTOR_BENCH_ROUTES=1 (remix.config.js). The bench sizes it to the
 * ticket list: `rows` rows (at most 50), `pad` characters spread over their data, and `markup`
 * characters that only the component renders.
 */
export const handle = access("agent");
export const meta: MetaFunction = () => [{ title: "Bench constant · Conductor" }];

const MAX_ROWS = 50;
const sizeParam = z.coerce.number().int().min(0).max(5_000_000).catch(0);
const rowsParam = z.coerce.number().int().min(1).max(MAX_ROWS).catch(MAX_ROWS);
const WORDS = "billing account export invoice refund shipping delivery password login upload sync order plan team calendar receipt discount".split(" ");
const BASE_TIME = Date.UTC(2025, 0, 1);

const payloads = new Map<string, { marker: string; items: TicketListItem[] }>();
const fillers = new Map<string, string>();

/** Words, distinct per row so the serializer cannot share them between rows; built once per size. */
function filler(row: number, length: number): string {
  const key = `${row}:${length}`;
  let text = fillers.get(key);
  if (text === undefined) {
    text = "";
    for (let i = row; text.length < length; i += 7) text += `${WORDS[i % WORDS.length]}${i} `;
    text = text.slice(0, length);
    if (fillers.size > 64) fillers.clear();
    fillers.set(key, text);
  }
  return text;
}

/** Built once per size, then the same object for every request. */
function payload(rows: number, pad: number) {
  const key = `${rows}:${pad}`;
  let cached = payloads.get(key);
  if (!cached) {
    cached = {
      marker: "bench-constant",
      items: Array.from({ length: rows }, (_, row) => ({
        id: 90_000 + row,
        number: 190_000 + row,
        subject: `Bench row ${row} ${filler(row, Math.floor(pad / rows) + (row < pad % rows ? 1 : 0))}`,
        status: (["open", "pending", "on_hold"] as const)[row % 3]!,
        statusCategory: (["open", "pending", "on_hold"] as const)[row % 3]!,
        priority: (["high", "urgent"] as const)[row % 2]!,
        channel: (["email", "web", "portal", "phone", "api"] as const)[row % 5]!,
        tags: row % 3 === 0 ? [] : [WORDS[row % WORDS.length]!],
        customer: { id: 5_000 + row, name: `Customer ${row}`, email: `customer-${row}@bench.test` },
        assignee: row % 4 === 0 ? null : { id: 1 + (row % 8), name: `Agent ${row % 8}` },
        sla: null,
        createdAt: new Date(BASE_TIME + row * 3_600_000),
        updatedAt: new Date(BASE_TIME + row * 3_700_000),
      })),
    };
    if (payloads.size > 16) payloads.clear();
    payloads.set(key, cached);
  }
  return cached;
}

export function loader({ request }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  return {
    ...payload(rowsParam.parse(params.get("rows") ?? MAX_ROWS), sizeParam.parse(params.get("pad") ?? 0)),
    markup: sizeParam.parse(params.get("markup") ?? 0),
  };
}

export default function BenchConstant() {
  const { marker, items, markup } = useLoaderData<typeof loader>();
  return (
    <main className="mx-auto max-w-6xl p-6" data-testid={marker}>
      <h1 className="text-2xl font-bold text-slate-900">Bench constant</h1>
      <table className="mt-4 w-full text-left text-sm">
        <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
          <tr>
            <th className="px-3 py-2">#</th>
            <th className="px-3 py-2">Subject</th>
            <th className="px-3 py-2">Status</th>
            <th className="px-3 py-2">Priority</th>
            <th className="px-3 py-2">Customer</th>
            <th className="px-3 py-2">Assignee</th>
            <th className="px-3 py-2">Updated</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((item) => (
            <tr key={item.id} className="hover:bg-slate-50">
              <td className="px-3 py-2 tabular-nums text-slate-500">#{item.number}</td>
              <td className="px-3 py-2">
                <a href={`/tickets/${item.number}`} className="font-medium text-slate-900">
                  {item.subject}
                </a>
                {item.tags.map((tag) => (
                  <span key={tag} className="ml-1 rounded-md bg-brand-500/10 px-1.5 py-0.5 text-xs text-brand-700">
                    {tag}
                  </span>
                ))}
              </td>
              <td className="px-3 py-2">{item.status}</td>
              <td className="px-3 py-2">{item.priority}</td>
              <td className="px-3 py-2">
                {item.customer.name} <span className="text-slate-500">{item.customer.email}</span>
              </td>
              <td className="px-3 py-2">{item.assignee?.name ?? "Unassigned"}</td>
              <td className="px-3 py-2 tabular-nums">{new Date(item.updatedAt).toISOString().slice(0, 16)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {markup > 0 ? <p className="mt-6 break-all text-xs text-slate-400">{filler(0, markup)}</p> : null}
    </main>
  );
}
