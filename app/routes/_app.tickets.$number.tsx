import { getFormProps, getTextareaProps, useForm, type SubmissionResult } from "@conform-to/react";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { differenceInSeconds } from "date-fns";
import { useEffect, useRef, useState } from "react";
import { listActivity } from "~/activity/activity-feed.server";
import { agentActor } from "~/activity/actor";
import { AppError, notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { ActivityList } from "~/components/activity-list";
import { AttachmentList } from "~/components/attachment-list";
import { EmailHtmlFrame } from "~/components/email-html-frame";
import { StatusBadge, TagChip } from "~/components/badges";
import { Button, CsrfInput, FieldErrors, FormErrors } from "~/components/form-fields";
import { normalizePropertySelects, PropertySelect } from "~/components/property-select";
import { LocalTime } from "~/components/local-time";
import { RelativeTime } from "~/components/relative-time";
import { PanelErrorBoundary } from "~/components/route-error";
import { SlaPanel } from "~/components/sla-panel";
import { formatDuration } from "~/dashboard/format-duration";
import { onAppError } from "~/http/route-errors.server";
import { emailPartsOfTicket } from "~/inbound/attachments.server";
import { addMessage, updateTicket, type TicketProperties } from "~/tickets/ticket-commands.server";
import { slaPolicyHistory } from "~/service-levels/ticket-sla-view.server";
import { getTicket, listAssignees, listTicketMessages, otherTicketsOfCustomer } from "~/tickets/ticket-detail.server";
import { useTicketStatuses } from "~/hooks/use-ticket-statuses";
import { agentStatusLabel, statusOptions } from "~/ticket-statuses/ticket-status-catalog";
import { CHANNEL_LABELS, PRIORITY_LABELS } from "~/tickets/ticket-labels";
import { parseWithZod, replyFormSchema, ticketPropertiesFormSchema } from "~/tickets/ticket-input.server";
import { routeParam, ticketNumberParam } from "~/route-params";
import { TICKET_PRIORITIES } from "../../db/tenant-enums";

export const handle = access("agent");
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `#${data.ticket.number} ${data.ticket.subject} · Conductor` : "Ticket · Conductor" },
];

const parseNumber = (raw: string | undefined) => routeParam(ticketNumberParam, raw, () => notFound("That ticket"));

export async function loader({ params, context }: LoaderFunctionArgs) {
  const ticket = await getTicket(context.db, parseNumber(params.number));
  const [messages, emailParts, otherTickets, activity, assignees, slaHistory] = await Promise.all([
    listTicketMessages(context.db, ticket.id, { includeInternal: true }),
    emailPartsOfTicket(context.db, ticket.id),
    otherTicketsOfCustomer(context.db, ticket.customer.id, ticket.id),
    listActivity(context.db, { ticketId: ticket.id }, { limit: 30 }),
    listAssignees(context.db),
    slaPolicyHistory(context.db, ticket.id),
  ]);
  return { ticket, messages, emailParts, otherTickets, activity: activity.items, assignees, slaHistory, now: new Date().toISOString() };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = requireUser(context);
  const number = parseNumber(params.number);
  const form = normalizePropertySelects(await request.formData());
  const intent = form.get("intent");
  if (intent === "reply") {
    const submission = parseWithZod(form, { schema: replyFormSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply() }, { status: 400 });
    await addMessage(
      context.db,
      agentActor(user),
      number,
      { body: submission.value.body, internal: submission.value.kind === "internal" },
      { origin: new URL(request.url).origin },
    );
    return { intent, result: submission.reply({ resetForm: true }), sent: submission.value.kind };
  }
  if (intent === "properties") {
    const submission = parseWithZod(form, { schema: ticketPropertiesFormSchema });
    if (submission.status !== "success") return data({ intent, error: "Those values are not valid; check the fields and try again." }, { status: 400 });
    const { version, ...changes } = submission.value;
    return onAppError(
      async () => ({
        intent,
        updated: pickProperties(await updateTicket(context.db, agentActor(user), number, { ...changes, assigneeId: changes.assigneeId ?? null }, version)),
      }),
      // A conflict carries the ticket as it is now, for the panel to show beside the refused change.
      (error) => ({
        intent,
        error: error.message,
        ...(AppError.is(error, "version_conflict") ? { conflict: pickProperties(error.details!.current as TicketProperties) } : {}),
      }),
    );
  }
  return data({ intent, error: "Unknown action." }, { status: 400 });
}

const pickProperties = (p: TicketProperties) => ({
  version: p.version,
  status: p.status,
  statusCategory: p.statusCategory,
  priority: p.priority,
  assigneeId: p.assigneeId,
  tags: p.tags,
});
type Properties = ReturnType<typeof pickProperties>;

export default function TicketPage() {
  const { ticket, messages, emailParts, otherTickets, activity, assignees, slaHistory, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const firstResponse = ticket.firstResponseAt ? differenceInSeconds(new Date(ticket.firstResponseAt), new Date(ticket.createdAt)) : null;
  return (
    <div className="mx-auto max-w-7xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-600">
        <Link to="/tickets" className="hover:underline">
          Tickets
        </Link>{" "}
        <span aria-hidden>/</span> #{ticket.number}
      </nav>
      <div className="mb-6 flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold text-slate-900">
          <span className="text-slate-500">#{ticket.number}</span> {ticket.subject}
        </h1>
        <StatusBadge status={ticket.status} category={ticket.statusCategory} />
      </div>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-6">
          <section aria-label="Conversation" className="space-y-4">
            {messages.map((message) => (
              <article
                key={message.id}
                data-testid={message.internal ? "internal-note" : "message"}
                className={`rounded-2xl border p-4 shadow-sm ${
                  message.internal
                    ? "border-amber-300 bg-amber-50"
                    : message.authorType === "agent"
                      ? "border-brand-500/30 bg-white sm:ml-10"
                      : message.authorType === "system"
                        ? "border-slate-200 bg-slate-50"
                        : "border-slate-200 bg-white sm:mr-10"
                }`}
              >
                <header className="mb-2 flex flex-wrap items-center gap-2 text-sm">
                  <span
                    aria-hidden
                    className={`grid h-7 w-7 place-items-center rounded-full text-xs font-bold text-white ${message.authorType === "customer" ? "bg-gradient-secondary" : "bg-gradient-primary"}`}
                  >
                    {message.authorName.slice(0, 1).toUpperCase()}
                  </span>
                  <span className="font-semibold text-slate-900">{message.authorName}</span>
                  {message.internal ? <span className="rounded bg-amber-200 px-1.5 py-0.5 text-xs font-semibold text-amber-900">Internal note</span> : null}
                  <span className="text-slate-500">
                    <RelativeTime date={message.createdAt} />
                  </span>
                </header>
                <div className="whitespace-pre-wrap break-words text-slate-800">{message.body}</div>
                {emailParts[message.id]?.htmlBody ? <EmailHtmlFrame html={emailParts[message.id]!.htmlBody!} /> : null}
                <AttachmentList files={emailParts[message.id]?.attachments ?? []} hrefFor={(fileId) => `/tickets/${ticket.number}/attachments/${fileId}`} />
              </article>
            ))}
          </section>
          <Composer ticketNumber={ticket.number} actionData={actionData?.intent === "reply" ? (actionData as ReplyActionData) : undefined} />
        </div>

        <aside className="space-y-6" aria-label="Ticket details">
          <PropertiesPanel
            ticket={{
              version: ticket.version,
              status: ticket.status,
              statusCategory: ticket.statusCategory,
              priority: ticket.priority,
              assigneeId: ticket.assigneeId,
              tags: ticket.tags,
            }}
            assignees={assignees}
            actionData={actionData?.intent === "properties" ? (actionData as PropertiesActionData) : undefined}
          />
          <SlaPanel sla={ticket.sla} history={slaHistory} serverNow={now} />
          <section className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="customer-heading">
            <h2 id="customer-heading" className="text-xs font-semibold uppercase tracking-wide text-slate-500">
              Customer
            </h2>
            <p className="mt-2 font-semibold text-slate-900">
              <Link to={`/customers/${ticket.customer.id}`} className="hover:text-brand-700 hover:underline">
                {ticket.customer.name}
              </Link>
            </p>
            <p className="text-sm text-slate-600">{ticket.customer.email}</p>
            {ticket.customer.company ? <p className="text-sm text-slate-600">{ticket.customer.company}</p> : null}
            <h3 className="mt-4 text-xs font-semibold uppercase tracking-wide text-slate-500">Other tickets</h3>
            {otherTickets.length ? (
              <ul className="mt-2 space-y-1.5 text-sm">
                {otherTickets.map((other) => (
                  <li key={other.number} className="flex items-center justify-between gap-2">
                    <Link to={`/tickets/${other.number}`} className="truncate text-brand-700 hover:underline">
                      #{other.number} {other.subject}
                    </Link>
                    <StatusBadge status={other.status} category={other.statusCategory} />
                  </li>
                ))}
              </ul>
            ) : (
              <p className="mt-1 text-sm text-slate-600">This is their only ticket.</p>
            )}
          </section>
          <section className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm text-sm text-slate-700" aria-label="Timing">
            <p>Channel: {CHANNEL_LABELS[ticket.channel]}</p>
            <p>
              Created <LocalTime iso={new Date(ticket.createdAt).toISOString()} />
            </p>
            <p>First response: {firstResponse === null ? "not yet" : `${formatDuration(firstResponse)} after creation`}</p>
            {ticket.solvedAt ? (
              <p>
                Solved <LocalTime iso={new Date(ticket.solvedAt).toISOString()} />
              </p>
            ) : null}
          </section>
          <section className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="history-heading">
            <h2 id="history-heading" className="mb-3 text-xs font-semibold uppercase tracking-wide text-slate-500">
              History
            </h2>
            <ActivityList items={activity} />
          </section>
        </aside>
      </div>
    </div>
  );
}

type ReplyActionData = { result?: SubmissionResult<string[]>; sent?: string };

/** Public reply or internal note. A failed submit keeps the text (Conform), and so does a reload (session storage). */
function Composer({ ticketNumber, actionData }: { ticketNumber: number; actionData?: ReplyActionData }) {
  const navigation = useNavigation();
  const [kind, setKind] = useState<"public" | "internal">("public");
  const draftKey = `conductor:draft:${ticketNumber}`;
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [form, fields] = useForm<{ body: string; kind: string }>({
    id: `reply-${ticketNumber}`,
    lastResult: actionData?.result,
    // Validated on the server (this screen ships no zod); the browser checks what HTML can.
    constraint: { body: { required: true, maxLength: 20_000 } },
  });
  useEffect(() => {
    const saved = sessionStorage.getItem(draftKey);
    if (saved && textarea.current && !textarea.current.value) textarea.current.value = saved;
  }, [draftKey]);
  useEffect(() => {
    if (actionData?.sent) sessionStorage.removeItem(draftKey);
  }, [actionData, draftKey]);
  const submitting = navigation.state === "submitting" && navigation.formData?.get("intent") === "reply";
  const { key, ...textareaProps } = getTextareaProps(fields.body);
  return (
    <Form
      method="post"
      {...getFormProps(form)}
      className={`rounded-2xl border p-4 shadow-sm ${kind === "internal" ? "border-amber-300 bg-amber-50" : "border-slate-200 bg-white"}`}
    >
      <CsrfInput />
      <input type="hidden" name="intent" value="reply" />
      <fieldset className="mb-3 flex gap-2 text-sm">
        <legend className="sr-only">Kind of message</legend>
        {(["public", "internal"] as const).map((value) => (
          <label
            key={value}
            className={`cursor-pointer rounded-full px-3 py-1 font-medium ${kind === value ? (value === "internal" ? "bg-amber-200 text-amber-900" : "bg-gradient-primary text-white") : "border border-slate-300 text-slate-700"}`}
          >
            <input type="radio" name="kind" value={value} checked={kind === value} onChange={() => setKind(value)} className="sr-only" />
            {value === "public" ? "Public reply" : "Internal note"}
          </label>
        ))}
      </fieldset>
      <label htmlFor={fields.body.id} className="sr-only">
        {kind === "public" ? "Reply to the customer" : "Internal note for your team"}
      </label>
      <textarea
        key={key}
        {...textareaProps}
        ref={textarea}
        rows={5}
        onInput={(event) => sessionStorage.setItem(draftKey, event.currentTarget.value)}
        placeholder={kind === "public" ? "Write a reply the customer will see…" : "Write a note only your team will see…"}
        className="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 outline-none focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30"
      />
      <FieldErrors id={fields.body.errorId} errors={fields.body.errors} />
      <FormErrors id={form.errorId} errors={form.errors} />
      <div className="mt-3 flex items-center justify-between">
        {actionData?.sent ? (
          <p role="status" className="text-sm text-emerald-700">
            {actionData.sent === "internal" ? "Note added." : "Reply sent."}
          </p>
        ) : (
          <span />
        )}
        <Button disabled={submitting}>{submitting ? "Sending…" : kind === "public" ? "Send reply" : "Add note"}</Button>
      </div>
    </Form>
  );
}

type PropertiesActionData = { updated?: Properties; conflict?: Properties; error?: string };

/**
 * Status, priority, assignee and tags. The form carries the version it was filled from: when someone
 * else saved in between, the server refuses and we show what the ticket says now.
 */
function PropertiesPanel({
  ticket,
  assignees,
  actionData,
}: {
  ticket: Properties;
  assignees: Array<{ id: number; name: string }>;
  actionData?: PropertiesActionData;
}) {
  const navigation = useNavigation();
  const statuses = useTicketStatuses();
  const [base, setBase] = useState(ticket);
  const [formKey, setFormKey] = useState(0);
  useEffect(() => {
    if (actionData?.updated) {
      setBase(actionData.updated);
      setFormKey((k) => k + 1);
    }
  }, [actionData?.updated]);
  const reload = () => {
    setBase(ticket);
    setFormKey((k) => k + 1);
  };
  const stale = ticket.version !== base.version && !actionData?.conflict;
  const nameOf = (id: number | null) => (id === null ? "Unassigned" : (assignees.find((a) => a.id === id)?.name ?? "a former member"));
  const saving = navigation.state === "submitting" && navigation.formData?.get("intent") === "properties";
  return (
    <section className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="properties-heading">
      <h2 id="properties-heading" className="text-xs font-semibold uppercase tracking-wide text-slate-500">
        Properties
      </h2>
      {actionData?.conflict ? (
        <div role="alert" className="mt-3 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="conflict">
          <p className="font-semibold">This ticket changed since you opened it.</p>
          <p className="mt-1">
            It now is: {agentStatusLabel(statuses, actionData.conflict.status)}, {PRIORITY_LABELS[actionData.conflict.priority]} priority, assigned to{" "}
            {nameOf(actionData.conflict.assigneeId)}
            {actionData.conflict.tags.length ? `, tagged ${actionData.conflict.tags.join(", ")}` : ""}. Your change was not saved.
          </p>
          <button type="button" onClick={reload} className="mt-2 font-semibold underline">
            Use the current values
          </button>
        </div>
      ) : stale ? (
        <div role="status" className="mt-3 rounded-lg border border-sky-200 bg-sky-50 p-3 text-sm text-sky-900">
          Someone else just changed this ticket.{" "}
          <button type="button" onClick={reload} className="font-semibold underline">
            Show the new values
          </button>
        </div>
      ) : actionData?.error ? (
        <FormErrors id="properties-error" errors={[actionData.error]} />
      ) : actionData?.updated ? (
        <p role="status" className="mt-2 text-sm text-emerald-700">
          Saved.
        </p>
      ) : null}
      <Form method="post" key={formKey} className="mt-3 space-y-3">
        <CsrfInput />
        <input type="hidden" name="intent" value="properties" />
        <input type="hidden" name="version" value={base.version} />
        <PropertySelect id="prop-status" name="status" label="Status" defaultValue={base.status} options={statusOptions(statuses, base.status)} />
        <PropertySelect
          id="prop-priority"
          name="priority"
          label="Priority"
          defaultValue={base.priority}
          options={TICKET_PRIORITIES.map((value) => ({ value, label: PRIORITY_LABELS[value] }))}
        />
        <PropertySelect
          id="prop-assignee"
          name="assigneeId"
          label="Assignee"
          defaultValue={base.assigneeId === null ? "" : String(base.assigneeId)}
          options={[{ value: "", label: "Unassigned" }, ...assignees.map((member) => ({ value: String(member.id), label: member.name }))]}
        />
        <div className="space-y-1">
          <label htmlFor="prop-tags" className="block text-xs font-semibold uppercase tracking-wide text-slate-500">
            Tags
          </label>
          <input
            id="prop-tags"
            name="tags"
            defaultValue={base.tags.join(", ")}
            placeholder="billing, vip"
            className="block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm"
          />
          {base.tags.length ? (
            <div className="flex flex-wrap gap-1 pt-1">
              {base.tags.map((tag) => (
                <TagChip key={tag} tag={tag} />
              ))}
            </div>
          ) : null}
        </div>
        <Button className="w-full" disabled={saving}>
          {saving ? "Saving…" : "Save changes"}
        </Button>
      </Form>
    </section>
  );
}

export const ErrorBoundary = PanelErrorBoundary;
