import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import * as z from "zod";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FieldErrors, FormErrors, SelectField, TextAreaField, TextField } from "~/components/form-fields";
import { PageHeader } from "~/components/page-header";
import { PanelErrorBoundary } from "~/components/route-error";
import { findCustomer, listCustomers } from "~/customers/customers.server";
import { replyOnAppError } from "~/http/route-errors.server";
import { rowIdParam } from "~/route-params";
import { createTicket } from "~/tickets/ticket-commands.server";
import { listAssignees } from "~/tickets/ticket-detail.server";
import { PRIORITY_LABELS } from "~/tickets/ticket-labels";
import { newTicketFormSchema } from "~/tickets/ticket-schemas";
import { TICKET_PRIORITIES } from "../../db/tenant-enums";

export const handle = access("agent");
export const meta: MetaFunction = () => [{ title: "New ticket · Conductor" }];

const searchSchema = z.object({
  customer: rowIdParam.optional().catch(undefined),
  customerQuery: z.string().trim().max(200).optional().catch(undefined),
});

/** Also answers the customer picker's search-as-you-type (`?customerQuery=`), with or without JavaScript. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { customer, customerQuery } = searchSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [assignees, preselected, matches] = await Promise.all([
    listAssignees(context.db),
    customer ? findCustomer(context.db, customer) : null,
    customerQuery ? listCustomers(context.db, { q: customerQuery, limit: 8 }).then((page) => page.items) : [],
  ]);
  const pick = (c: { id: number; name: string; email: string; company: string | null }) => ({ id: c.id, name: c.name, email: c.email, company: c.company });
  return { assignees, preselected: preselected ? pick(preselected) : null, matches: matches.map(pick), customerQuery: customerQuery ?? "" };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = requireUser(context);
  const submission = parseWithZod(await request.formData(), { schema: newTicketFormSchema });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const input = submission.value;
  return replyOnAppError(
    submission,
    async () => {
      const { number } = await createTicket(
        context.db,
        agentActor(user),
        {
          customer: input.customerId ? { id: input.customerId } : { name: input.customerName!, email: input.customerEmail! },
          subject: input.subject,
          message: input.message,
          priority: input.priority,
          assigneeId: input.assigneeId ?? null,
          tags: input.tags,
          channel: "web",
        },
        { origin: context.services.mail.originFor(context.tenant) },
      );
      return redirect(`/tickets/${number}`);
    },
    { body: (result) => ({ result }) },
  );
}

type Picked = { id: number; name: string; email: string; company: string | null };

export default function NewTicket() {
  const { assignees, preselected, matches, customerQuery } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [picked, setPicked] = useState<Picked | null>(preselected);
  const [mode, setMode] = useState<"existing" | "new">("existing");
  const [form, fields] = useForm({
    id: "new-ticket",
    lastResult: actionData?.result,
    defaultValue: { priority: "normal" },
    constraint: getZodConstraint(newTicketFormSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: newTicketFormSchema }),
  });

  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader title="New ticket" description="Take down a request on behalf of a customer: by phone, in person, or from another channel." />
      <Form method="post" {...getFormProps(form)} className="space-y-6 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <CsrfInput />
        <FormErrors id={form.errorId} errors={form.errors} />
        <fieldset className="space-y-3">
          <legend className="text-sm font-semibold text-slate-900">Customer</legend>
          <div role="radiogroup" aria-label="Customer" className="flex gap-2 text-sm">
            <ModeButton active={mode === "existing"} onClick={() => setMode("existing")}>
              Existing customer
            </ModeButton>
            <ModeButton active={mode === "new"} onClick={() => setMode("new")}>
              New customer
            </ModeButton>
          </div>
          {mode === "existing" ? (
            <CustomerPicker picked={picked} onPick={setPicked} initialQuery={customerQuery} serverMatches={matches} inputName={fields.customerId.name} />
          ) : (
            <div className="grid gap-3 sm:grid-cols-2">
              <TextField field={fields.customerName} label="Name" autoComplete="off" />
              <TextField
                field={fields.customerEmail}
                label="Email"
                type="email"
                autoComplete="off"
                hint="If this email is already a customer, the ticket joins them."
              />
            </div>
          )}
          <FieldErrors
            id={fields.customerId.errorId}
            errors={
              mode === "existing" ? [...(fields.customerId.errors ?? []), ...(picked ? [] : (fields.customerEmail.errors ?? []))] : fields.customerId.errors
            }
          />
        </fieldset>
        <TextField field={fields.subject} label="Subject" />
        <TextAreaField field={fields.message} label="What the customer asked" rows={7} />
        <div className="grid gap-4 sm:grid-cols-3">
          <SelectField field={fields.priority} label="Priority" options={TICKET_PRIORITIES.map((value) => ({ value, label: PRIORITY_LABELS[value] }))} />
          <SelectField
            field={fields.assigneeId}
            label="Assignee"
            options={[{ value: "", label: "Unassigned" }, ...assignees.map((m) => ({ value: String(m.id), label: m.name }))]}
          />
          <TextField field={fields.tags} label="Tags" placeholder="billing, vip" hint="Separate with commas." />
        </div>
        <div className="flex items-center justify-end gap-3">
          <Link to="/tickets" className="text-sm font-medium text-slate-700 hover:underline">
            Cancel
          </Link>
          <Button disabled={navigation.state === "submitting"}>{navigation.state === "submitting" ? "Creating…" : "Create ticket"}</Button>
        </div>
      </Form>
      {/* The picker's "Find" submits this form (its inputs point here with form=…): forms cannot nest. */}
      <form id="customer-search" method="get" action="/tickets/new" />
    </div>
  );
}

function ModeButton({ active, onClick, children }: { active: boolean; onClick: () => void; children: string }) {
  return (
    <button
      type="button"
      role="radio"
      aria-checked={active}
      onClick={onClick}
      className={`rounded-full px-3 py-1 font-medium ${active ? "bg-gradient-primary text-white" : "border border-slate-300 text-slate-700 hover:bg-slate-50"}`}
    >
      {children}
    </button>
  );
}

/**
 * Search as you type through this route's own loader. Without JavaScript the "Find" button
 * reloads the page with the matches as radio buttons, so the form still works.
 */
function CustomerPicker({
  picked,
  onPick,
  initialQuery,
  serverMatches,
  inputName,
}: {
  picked: Picked | null;
  onPick: (c: Picked | null) => void;
  initialQuery: string;
  serverMatches: Picked[];
  inputName: string;
}) {
  const fetcher = useFetcher<{ matches: Picked[] }>();
  const [query, setQuery] = useState(initialQuery);
  useEffect(() => {
    if (!query.trim()) return;
    const timer = setTimeout(() => fetcher.load(`/tickets/new?${new URLSearchParams({ customerQuery: query })}`), 200);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- fetcher identity changes on every load
  }, [query]);
  const matches = query.trim() ? (fetcher.data?.matches ?? serverMatches) : [];

  if (picked) {
    return (
      <div className="flex items-center justify-between rounded-lg border border-brand-500/40 bg-brand-500/5 px-3 py-2" data-testid="picked-customer">
        <input type="hidden" name={inputName} value={picked.id} />
        <div>
          <p className="font-medium text-slate-900">{picked.name}</p>
          <p className="text-sm text-slate-600">
            {picked.email}
            {picked.company ? ` · ${picked.company}` : ""}
          </p>
        </div>
        <button type="button" onClick={() => onPick(null)} className="text-sm font-medium text-brand-700 hover:underline">
          Change
        </button>
      </div>
    );
  }
  return (
    <div className="space-y-2">
      <div className="flex gap-2">
        <label htmlFor="customer-query" className="sr-only">
          Find a customer by name, email or company
        </label>
        <input
          id="customer-query"
          name="customerQuery"
          form="customer-search"
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => {
            // with JavaScript the matches are already listed; Enter must not reload the page
            if (event.key === "Enter") event.preventDefault();
          }}
          placeholder="Find a customer by name, email or company"
          autoComplete="off"
          aria-controls="customer-matches"
          className="block w-full rounded-lg border border-slate-300 px-3 py-2"
        />
        <button form="customer-search" className="rounded-lg border border-slate-300 px-3 text-sm font-medium text-slate-800 hover:bg-slate-50">
          Find
        </button>
      </div>
      <ul id="customer-matches" aria-label="Matching customers" className="divide-y divide-slate-100 rounded-lg border border-slate-200 empty:hidden">
        {matches.map((customer) => (
          <li key={customer.id}>
            <label className="flex cursor-pointer items-center gap-3 px-3 py-2 hover:bg-slate-50">
              <input type="radio" name={inputName} value={customer.id} onChange={() => onPick(customer)} className="accent-brand-500" />
              <span>
                <span className="font-medium text-slate-900">{customer.name}</span>
                <span className="block text-sm text-slate-600">
                  {customer.email}
                  {customer.company ? ` · ${customer.company}` : ""}
                </span>
              </span>
            </label>
          </li>
        ))}
      </ul>
      {query.trim() && fetcher.state === "idle" && matches.length === 0 && fetcher.data ? (
        <p className="text-sm text-slate-600">No customer matches. Switch to “New customer” to add them.</p>
      ) : null}
    </div>
  );
}

export const ErrorBoundary = PanelErrorBoundary;
