import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigate, useNavigation, useSearchParams, useSubmit } from "@remix-run/react";
import { formatDistanceToNowStrict } from "date-fns";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { isTyping } from "~/components/app-shell";
import { PriorityBadge, StatusBadge, TagChip } from "~/components/badges";
import { NativeOptions } from "~/components/property-select";
import type { Option } from "~/components/property-select-shared";
import { Button, CsrfInput, FormErrors } from "~/components/form-fields";
import { EmptyState, PageHeader } from "~/components/page-header";
import { PanelErrorBoundary } from "~/components/route-error";
import { SlaCountdown, useTickingNow } from "~/components/sla-countdown";
import { findCustomer } from "~/customers/customers.server";
import { bulkMacroFormSchema, hasActions } from "~/macros/macro-input.server";
import { applyMacroToTickets, listMacros } from "~/macros/macros.server";
import { onAppError } from "~/http/route-errors.server";
import { countdownTargets, SLA_VIEW_LABELS, SLA_VIEWS } from "~/service-levels/sla-display";
import { bulkUpdateTickets, type BulkChange } from "~/tickets/ticket-commands.server";
import { listAssignees } from "~/tickets/ticket-detail.server";
import { COUNT_CAP, effectiveSort, listTickets, ticketTabCounts } from "~/tickets/ticket-list.server";
import { useTicketStatuses } from "~/hooks/use-ticket-statuses";
import { statusOptions, type TicketStatusRecord } from "~/ticket-statuses/ticket-status-catalog";
import { CHANNEL_LABELS, PRIORITY_LABELS, STATUS_TABS, TAB_LABELS, type StatusTab } from "~/tickets/ticket-labels";
import { bulkFormSchema, ticketFiltersFromSearchParams } from "~/tickets/ticket-input.server";
import { TICKET_CHANNELS, TICKET_PRIORITIES, UNSOLVED_CATEGORIES } from "../../db/tenant-enums";

export const handle = access("agent");
export const meta: MetaFunction = () => [{ title: "Tickets · Conductor" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = requireUser(context);
  const filters = ticketFiltersFromSearchParams(new URL(request.url).searchParams);
  // One instant for the SLA views and the clocks the page renders.
  const now = new Date();
  const [page, tabs, assignees, customer, macros] = await Promise.all([
    listTickets(context.db, filters, user.id, undefined, now),
    ticketTabCounts(context.db, filters, user.id, now),
    listAssignees(context.db),
    filters.customer ? findCustomer(context.db, filters.customer).then((c) => (c ? { id: c.id, name: c.name } : null)) : null,
    listMacros(context.db, user),
  ]);
  const items = page.items.map(({ sla, ...item }) => ({ ...item, sla: countdownTargets(sla) }));
  // Bulk applies a macro's actions, never its text: only macros with actions are offered.
  const bulkMacros = macros.filter((macro) => hasActions(macro.actions)).map((macro) => ({ value: String(macro.id), label: macro.name }));
  return { filters, sort: effectiveSort(filters), page: { ...page, items }, tabs, assignees, customer, bulkMacros, viewerId: user.id, now: now.toISOString() };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = requireUser(context);
  const form = await request.formData();
  if (form.get("bulk") === "macro") return applyMacro(request, context, user, form);
  const parsed = bulkFormSchema.safeParse({ ...Object.fromEntries(form), numbers: form.getAll("numbers") });
  if (!parsed.success) {
    const noneSelected = parsed.error.issues.some((issue) => issue.path[0] === "numbers");
    return data({ error: noneSelected ? "Select at least one ticket first." : "Choose what to change for the selected tickets." }, { status: 400 });
  }
  const input = parsed.data;
  const change: BulkChange =
    input.bulk === "assign"
      ? { assigneeId: input.assigneeId === "none" ? null : input.assigneeId }
      : input.bulk === "status"
        ? { status: input.status }
        : input.bulk === "priority"
          ? { priority: input.priority }
          : { addTag: input.tag };
  return onAppError(
    async () => {
      const count = await bulkUpdateTickets(context.db, agentActor(user), input.numbers, change, { origin: context.services.mail.originFor(context.tenant) });
      const back = new URL(request.url);
      back.searchParams.delete("index");
      back.searchParams.set("updated", String(count));
      return redirect(back.pathname + back.search);
    },
    (error) => ({ error: error.message }),
  );
}

/** "Apply macro": the macro's actions on every selected ticket, in one transaction. */
async function applyMacro(request: Request, context: ActionFunctionArgs["context"], user: { id: number; role: "admin" | "agent" }, form: FormData) {
  const parsed = bulkMacroFormSchema.safeParse({ numbers: form.getAll("numbers"), macroId: form.get("macroId") });
  if (!parsed.success) {
    const noneSelected = parsed.error.issues.some((issue) => issue.path[0] === "numbers");
    return data({ error: noneSelected ? "Select at least one ticket first." : "Choose a macro to apply." }, { status: 400 });
  }
  const { numbers, macroId } = parsed.data;
  return onAppError(
    async () => {
      const count = await applyMacroToTickets(context.db, user, macroId, numbers);
      const back = new URL(request.url);
      back.searchParams.delete("index");
      back.searchParams.set("updated", String(count));
      return redirect(back.pathname + back.search);
    },
    (error) => ({ error: error.message }),
  );
}

export default function Tickets() {
  const { filters, sort, page, tabs, assignees, customer, bulkMacros, now: serverNow } = useLoaderData<typeof loader>();
  const now = useTickingNow(serverNow);
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const navigation = useNavigation();
  const submit = useSubmit();
  const statuses = useTicketStatuses();
  const statusesOfTab = statusesInTab(statuses, filters.status, filters.statusKey);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [active, setActive] = useState(0);
  const rowRefs = useRef<Array<HTMLTableRowElement | null>>([]);
  const items = page.items;
  // Only a count travels in the URL: anything else would print attacker-chosen text on the page.
  const updatedCount = /^[0-9]{1,6}$/.test(params.get("updated") ?? "") ? params.get("updated") : null;

  const hrefWith = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    next.delete("cursor");
    next.delete("updated");
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === "") next.delete(key);
      else next.set(key, value);
    }
    const query = next.toString();
    return query ? `/tickets?${query}` : "/tickets";
  };

  useEffect(() => setActive((index) => Math.min(index, Math.max(items.length - 1, 0))), [items.length]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target) || items.length === 0) return;
      if (event.key === "j" || event.key === "k") {
        event.preventDefault();
        setActive((index) => {
          const next = Math.max(0, Math.min(items.length - 1, index + (event.key === "j" ? 1 : -1)));
          rowRefs.current[next]?.focus();
          return next;
        });
      } else if (event.key === "Enter" && (event.target as HTMLElement | null)?.tagName === "TR") {
        navigate(`/tickets/${items[active]!.number}`);
      } else if (event.key === "x") {
        const number = items[active]!.number;
        setSelected((current) => toggle(current, number));
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [items, active, navigate]);

  const allSelected = items.length > 0 && items.every((item) => selected.has(item.number));
  // Past the cap the counts come from the first COUNT_CAP matches: true lower bounds, shown as such.
  const countLabel = (value: number) => (tabs.capped ? `${Math.min(value, COUNT_CAP).toLocaleString()}+` : value.toLocaleString());

  return (
    <div className="mx-auto max-w-7xl">
      <PageHeader
        title={filters.q ? `Search: “${filters.q}”` : "Tickets"}
        description={
          customer ? (
            <>
              Tickets of{" "}
              <Link className="font-medium text-brand-700 underline" to={`/customers/${customer.id}`}>
                {customer.name}
              </Link>
            </>
          ) : (
            "Every request in your workspace. Press j / k to move, Enter to open, x to select."
          )
        }
        actions={
          <Link to="/tickets/new" className="rounded-lg bg-gradient-primary px-4 py-2 text-sm font-semibold text-white shadow">
            New ticket
          </Link>
        }
      />

      <nav aria-label="Status categories" className="-mx-1 mb-4 flex gap-1 overflow-x-auto border-b border-slate-200">
        {STATUS_TABS.map((tab) => {
          const current = filters.status === tab;
          return (
            <Link
              key={tab}
              to={hrefWith({ status: tab === "unsolved" ? null : tab })}
              aria-current={current ? "page" : undefined}
              className={`-mb-px flex items-center gap-2 whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${current ? "border-brand-500 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
            >
              {TAB_LABELS[tab]}
              <span
                className={`rounded-full px-2 text-xs tabular-nums ${current ? "bg-gradient-primary text-white" : "bg-slate-100 text-slate-700"}`}
                data-testid={`tab-count-${tab}`}
              >
                {countLabel(tabs.counts[tab])}
              </span>
            </Link>
          );
        })}
      </nav>

      <Form
        method="get"
        className="mb-4 flex flex-wrap items-end gap-3 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm"
        onChange={(event) => {
          // selects apply at once; text fields apply on Enter or "Apply"
          if (event.target instanceof HTMLSelectElement) submit(event.currentTarget, { replace: true, preventScrollReset: true });
        }}
      >
        {filters.status !== "unsolved" ? <input type="hidden" name="status" value={filters.status} /> : null}
        {filters.customer ? <input type="hidden" name="customer" value={filters.customer} /> : null}
        <FilterField label="Search" htmlFor="filter-q">
          <input
            id="filter-q"
            name="q"
            type="search"
            defaultValue={filters.q ?? ""}
            key={filters.q ?? ""}
            placeholder="Words in subject or messages"
            className="w-56 rounded-lg border border-slate-300 px-2 py-1.5 text-sm"
          />
        </FilterField>
        <FilterField label="Assignee" htmlFor="filter-assignee">
          <select
            id="filter-assignee"
            name="assignee"
            defaultValue={filters.assignee}
            key={filters.assignee}
            className="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm"
          >
            <option value="any">Anyone</option>
            <option value="me">Me</option>
            <option value="unassigned">Unassigned</option>
            {assignees.map((member) => (
              <option key={member.id} value={String(member.id)}>
                {member.name}
              </option>
            ))}
          </select>
        </FilterField>
        {statusesOfTab.length > 1 ? (
          <AnyOfFilter label="Status" name="statusKey" value={filters.statusKey} options={statusesOfTab.map((status) => [status.key, status.label])} />
        ) : null}
        <AnyOfFilter label="Priority" name="priority" value={filters.priority} options={TICKET_PRIORITIES.map((value) => [value, PRIORITY_LABELS[value]])} />
        <AnyOfFilter label="Channel" name="channel" value={filters.channel} options={TICKET_CHANNELS.map((value) => [value, CHANNEL_LABELS[value]])} />
        <FilterField label="Tag" htmlFor="filter-tag">
          <input
            id="filter-tag"
            name="tag"
            defaultValue={filters.tag ?? ""}
            key={filters.tag ?? ""}
            className="w-28 rounded-lg border border-slate-300 px-2 py-1.5 text-sm"
          />
        </FilterField>
        <AnyOfFilter label="SLA" name="sla" value={filters.sla} options={SLA_VIEWS.map((value) => [value, SLA_VIEW_LABELS[value]])} />
        <FilterField label="Sort by" htmlFor="filter-sort">
          <select id="filter-sort" name="sort" defaultValue={sort} key={sort} className="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm">
            {filters.q ? <option value="relevance">Relevance</option> : null}
            <option value="updated">Last updated</option>
            <option value="created">Newest</option>
            <option value="priority">Priority</option>
            <option value="next_breach">Next breach first</option>
          </select>
        </FilterField>
        <Button variant="secondary" className="px-3 py-1.5">
          Apply
        </Button>
        {customer ? (
          <Link to={hrefWith({ customer: null })} className="rounded-full bg-brand-500/10 px-3 py-1 text-sm text-brand-700">
            Customer: {customer.name} <span aria-hidden>×</span>
            <span className="sr-only">(remove filter)</span>
          </Link>
        ) : null}
      </Form>

      {actionData && "error" in actionData ? <FormErrors id="bulk-error" errors={[actionData.error]} /> : null}
      {updatedCount ? (
        <p role="status" className="mb-3 rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
          Updated {updatedCount} ticket{updatedCount === "1" ? "" : "s"}.
        </p>
      ) : null}

      <Form
        method="post"
        id="bulk-form"
        className={`mb-3 flex flex-wrap items-center gap-2 rounded-xl bg-slate-900 px-4 py-2 text-sm text-white ${selected.size ? "" : "sr-only"}`}
        aria-label="Change selected tickets"
      >
        <CsrfInput />
        <span className="font-semibold" aria-live="polite">
          {selected.size} selected
        </span>
        <BulkControl
          name="assign"
          label="Assign to"
          field="assigneeId"
          options={[{ value: "none", label: "Nobody" }, ...assignees.map((m) => ({ value: String(m.id), label: m.name }))]}
        />
        <BulkControl name="status" label="Set status" field="status" options={statusOptions(statuses)} />
        <BulkControl name="priority" label="Set priority" field="priority" options={TICKET_PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABELS[p] }))} />
        <span className="flex items-center gap-1">
          <label htmlFor="bulk-tag" className="sr-only">
            Tag to add
          </label>
          <input id="bulk-tag" name="tag" placeholder="tag" className="w-24 rounded-md px-2 py-1 text-slate-900" />
          <button name="bulk" value="tag" className="rounded-md bg-white/15 px-2 py-1 font-medium hover:bg-white/25">
            Add tag
          </button>
        </span>
        {bulkMacros.length ? <BulkControl name="macro" label="Apply macro" field="macroId" options={bulkMacros} /> : null}
      </Form>

      {items.length === 0 ? (
        <EmptyState title={filters.q ? "No tickets match this search" : "No tickets here"}>
          {filters.q ? "Try other words, or search all statuses." : "When customers write in, their requests show up here."}
        </EmptyState>
      ) : (
        <div
          className={`overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm transition-opacity ${navigation.state === "loading" && navigation.location.pathname === "/tickets" ? "opacity-60" : ""}`}
        >
          <table className="w-full text-left text-sm" aria-label="Tickets">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="w-10 px-3 py-2">
                  <input
                    type="checkbox"
                    aria-label="Select all tickets on this page"
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((item) => item.number)))}
                    className="h-4 w-4 accent-brand-500"
                  />
                </th>
                <th scope="col" className="px-3 py-2">
                  Ticket
                </th>
                <th scope="col" className="hidden px-3 py-2 md:table-cell">
                  Customer
                </th>
                <th scope="col" className="px-3 py-2">
                  Status
                </th>
                <th scope="col" className="hidden px-3 py-2 md:table-cell">
                  Priority
                </th>
                <th scope="col" className="px-3 py-2">
                  SLA
                </th>
                <th scope="col" className="hidden px-3 py-2 md:table-cell">
                  Assignee
                </th>
                <th scope="col" className="px-3 py-2">
                  Updated
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((ticket, index) => (
                <tr
                  key={ticket.id}
                  ref={(element) => {
                    rowRefs.current[index] = element;
                  }}
                  tabIndex={index === active ? 0 : -1}
                  onFocus={() => setActive(index)}
                  aria-selected={selected.has(ticket.number)}
                  data-testid="ticket-row"
                  className={`outline-none ${index === active ? "bg-brand-500/5 shadow-[inset_3px_0_0_#667eea]" : ""} focus-visible:bg-brand-500/10`}
                >
                  <td className="px-3 py-2.5">
                    <input
                      type="checkbox"
                      form="bulk-form"
                      name="numbers"
                      value={ticket.number}
                      checked={selected.has(ticket.number)}
                      onChange={() => setSelected((current) => toggle(current, ticket.number))}
                      aria-label={`Select ticket #${ticket.number}`}
                      className="h-4 w-4 accent-brand-500"
                    />
                  </td>
                  <td className="max-w-md px-3 py-2.5">
                    <Link to={`/tickets/${ticket.number}`} className="font-medium text-slate-900 hover:text-brand-700" tabIndex={-1}>
                      <span className="mr-1.5 text-slate-500">#{ticket.number}</span>
                      {ticket.subject}
                    </Link>
                    <span className="block text-xs text-slate-600 md:hidden">
                      {ticket.customer.name} · {ticket.assignee?.name ?? "Unassigned"}
                    </span>
                    {ticket.tags.length ? (
                      <span className="ml-2 inline-flex flex-wrap gap-1 align-middle">
                        {ticket.tags.map((tag) => (
                          <TagChip key={tag} tag={tag} />
                        ))}
                      </span>
                    ) : null}
                  </td>
                  <td className="hidden px-3 py-2.5 text-slate-700 md:table-cell">{ticket.customer.name}</td>
                  <td className="px-3 py-2.5">
                    <StatusBadge status={ticket.status} category={ticket.statusCategory} />
                  </td>
                  <td className="hidden px-3 py-2.5 md:table-cell">
                    <PriorityBadge priority={ticket.priority} />
                  </td>
                  <td className="px-3 py-2.5">
                    <SlaCountdown targets={ticket.sla} now={now} />
                  </td>
                  <td className="hidden px-3 py-2.5 text-slate-700 md:table-cell">
                    {ticket.assignee?.name ?? <span className="text-slate-500">Unassigned</span>}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2.5 text-slate-600">
                    <time dateTime={String(ticket.updatedAt)} suppressHydrationWarning>
                      {formatDistanceToNowStrict(new Date(ticket.updatedAt), { addSuffix: true })}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div className="mt-4 flex justify-between text-sm">
        {filters.cursor ? (
          <Link to={hrefWith({ cursor: null })} className="font-medium text-brand-700 hover:underline">
            ← First page
          </Link>
        ) : (
          <span />
        )}
        {page.nextCursor ? (
          <Link
            to={`${hrefWith({})}${hrefWith({}).includes("?") ? "&" : "?"}cursor=${encodeURIComponent(page.nextCursor)}`}
            className="font-medium text-brand-700 hover:underline"
            rel="next"
          >
            Next page →
          </Link>
        ) : null}
      </div>
    </div>
  );
}

function toggle(set: Set<number>, value: number): Set<number> {
  const next = new Set(set);
  if (next.has(value)) next.delete(value);
  else next.add(value);
  return next;
}

/** A filter choosing one value, or any. */
function AnyOfFilter({ label, name, value, options }: { label: string; name: string; value: string | undefined; options: Array<[string, string]> }) {
  return (
    <FilterField label={label} htmlFor={`filter-${name}`}>
      <select
        id={`filter-${name}`}
        name={name}
        defaultValue={value ?? ""}
        key={value ?? ""}
        className="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm"
      >
        <option value="">Any</option>
        {options.map(([option, optionLabel]) => (
          <option key={option} value={option}>
            {optionLabel}
          </option>
        ))}
      </select>
    </FilterField>
  );
}

function FilterField({ label, htmlFor, children }: { label: string; htmlFor: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={htmlFor} className="text-xs font-medium text-slate-600">
        {label}
      </label>
      {children}
    </div>
  );
}

function BulkControl({ name, label, field, options }: { name: string; label: string; field: string; options: Option[] }) {
  const id = `bulk-${name}`;
  return (
    <span className="flex items-center gap-1">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <select id={id} name={field} defaultValue="" className="rounded-md px-2 py-1 text-slate-900">
        <option value="" disabled>
          {label}…
        </option>
        <NativeOptions options={options} />
      </select>
      <button name="bulk" value={name} className="rounded-md bg-white/15 px-2 py-1 font-medium hover:bg-white/25">
        Apply
      </button>
    </span>
  );
}

export const ErrorBoundary = PanelErrorBoundary;

/**
 * The statuses a tab holds, for the status filter (a status of another category would match nothing
 * there), deactivated ones too (their tickets stay in them), and the chosen one wherever it is.
 */
function statusesInTab(statuses: TicketStatusRecord[], tab: StatusTab, selectedKey: string | undefined) {
  const inTab = (status: TicketStatusRecord) =>
    tab === "all" || status.category === tab || (tab === "unsolved" && (UNSOLVED_CATEGORIES as readonly string[]).includes(status.category));
  return statuses
    .filter((status) => inTab(status) || status.key === selectedKey)
    .map((status) => ({ key: status.key, label: status.active ? status.agentLabel : `${status.agentLabel} (deactivated)` }));
}
