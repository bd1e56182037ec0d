import { getFormProps, getTextareaProps, useForm, type SubmissionResult } from "@conform-to/react";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation, useRouteLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { differenceInSeconds } from "date-fns";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
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
import { MacroOptions, MacroPicker } from "~/components/macro-menus";
import { filterMacros, listKeys, type MacroChoice } from "~/macros/macro-choice";
import { RelativeTime } from "~/components/relative-time";
import { PanelErrorBoundary } from "~/components/route-error";
import { SlaPanel } from "~/components/sla-panel";
import { formatDuration } from "~/dashboard/format-duration";
import { onAppError } from "~/http/route-errors.server";
import { emailPartsOfTicket } from "~/inbound/attachments.server";
import { listMacros, previewMacro, recordMacroUse, type MacroPreview } from "~/macros/macros.server";
import { addMessage, updateTicket, type TicketProperties } from "~/tickets/ticket-commands.server";
import { slaPolicyHistory } from "~/service-levels/ticket-sla-view.server";
import { getTicket, listAssignees, listTicketMessages, otherTicketsOfCustomer } from "~/tickets/ticket-detail.server";
import { useTicketStatuses } from "~/hooks/use-ticket-statuses";
import { agentStatusLabel, statusOptions } from "~/ticket-statuses/ticket-status-catalog";
import { CHANNEL_LABELS, PRIORITY_LABELS } from "~/tickets/ticket-labels";
import { parseWithZod, replyFormSchema, ticketPropertiesFormSchema } from "~/tickets/ticket-input.server";
import { routeParam, rowIdParam, ticketNumberParam } from "~/http/route-params.server";
import { TICKET_PRIORITIES } from "../../db/tenant-enums";

export const handle = access("agent");
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `#${data.ticket.number} ${data.ticket.subject} · Conductor` : "Ticket · Conductor" },
];

const parseNumber = (raw: string | undefined) => routeParam(ticketNumberParam, raw, () => notFound("That ticket"));

/** A macro id from a form; one that is not well-formed names no macro. */
const parseMacroId = (raw: FormDataEntryValue | null) => routeParam(rowIdParam, typeof raw === "string" ? raw : undefined, () => notFound("That macro"));

export async function loader({ params, context }: LoaderFunctionArgs) {
  const user = requireUser(context);
  const ticket = await getTicket(context.db, parseNumber(params.number));
  const [messages, emailParts, otherTickets, activity, assignees, slaHistory, macros] = await Promise.all([
    listTicketMessages(context.db, ticket.id, { includeInternal: true }),
    emailPartsOfTicket(context.db, ticket.id),
    otherTicketsOfCustomer(context.db, ticket.customer.id, ticket.id),
    listActivity(context.db, { ticketId: ticket.id }, { limit: 30 }),
    listAssignees(context.db),
    slaPolicyHistory(context.db, ticket.id),
    listMacros(context.db, user),
  ]);
  return {
    ticket,
    messages,
    emailParts,
    otherTickets,
    activity: activity.items,
    assignees,
    slaHistory,
    macros: macros.map((macro): MacroChoice => ({ id: macro.id, name: macro.name, shared: macro.shared, bodyKind: macro.bodyKind })),
    now: new Date().toISOString(),
  };
}

/** A macro's preview reads and writes nothing the page shows: no need to reload it. */
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) =>
  formData?.get("intent") === "preview-macro" ? false : defaultShouldRevalidate;

/** The agent sent or saved with a macro applied: count the use (a macro deleted meanwhile is no reason to fail the send). */
async function countMacroUse(context: ActionFunctionArgs["context"], user: { id: number; role: "admin" | "agent" }, raw: FormDataEntryValue | null) {
  if (raw === null || raw === "") return;
  try {
    await recordMacroUse(context.db, user, parseMacroId(raw));
  } catch (error) {
    if (!AppError.is(error, "not_found")) throw error;
  }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = requireUser(context);
  const number = parseNumber(params.number);
  const form = normalizePropertySelects(await request.formData());
  const intent = form.get("intent");
  if (intent === "preview-macro") {
    const macroId = parseMacroId(form.get("macroId"));
    return onAppError(
      async () => ({ intent, preview: await previewMacro(context.db, macroId, number, user) }),
      (error) => ({ intent, error: error.message }),
    );
  }
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
    await countMacroUse(context, user, form.get("macroId"));
    return { intent, result: submission.reply({ resetForm: true }), sent: submission.value.kind };
  }
  if (intent === "properties") {
    const submission = parseWithZod(form, { schema: ticketPropertiesFormSchema });
    if (submission.status !== "success") return data({ intent, error: "Those values are not valid; check the fields and try again." }, { status: 400 });
    const { version, ...changes } = submission.value;
    return onAppError(
      async () => {
        const updated = pickProperties(
          await updateTicket(context.db, agentActor(user), number, { ...changes, assigneeId: changes.assigneeId ?? null }, version, {
            origin: context.services.mail.originFor(context.tenant),
          }),
        );
        await countMacroUse(context, user, form.get("macroId"));
        return { intent, updated };
      },
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

type Kind = "public" | "internal";
type Draft = { values: Partial<Properties>; key: number };
/** What applying a macro replaced, for "Undo"; a part already sent or saved is no longer there to restore. */
type Applied = { macroId: number; name: string; skipped: string[]; recorded: boolean; previous: { body?: string; kind?: Kind; draft?: Draft | null } };

/**
 * Applying a macro: the server previews it (placeholders filled in, properties after its actions),
 * and the page puts that in the composer and the properties form. Nothing is saved until the agent
 * sends or saves; until then "Undo" puts back what was there.
 */
function useMacroApplication(kind: Kind, setKind: (kind: Kind) => void, textarea: React.RefObject<HTMLTextAreaElement>, draftKey: string) {
  const fetcher = useFetcher<typeof action>();
  const csrf = useRouteLoaderData<{ csrfToken: string | null }>("root")?.csrfToken ?? "";
  const [draft, setDraft] = useState<Draft | null>(null);
  const [applied, setApplied] = useState<Applied | null>(null);
  const [error, setError] = useState<string | null>(null);
  const range = useRef<[number, number] | null>(null);
  const handled = useRef<unknown>(null);
  const counter = useRef(0);
  const nextKey = () => (counter.current += 1);

  const setBody = (value: string) => {
    if (!textarea.current) return;
    textarea.current.value = value;
    sessionStorage.setItem(draftKey, value);
  };

  const apply = (macro: MacroChoice, replace: [number, number] | null = null) => {
    range.current = replace;
    setError(null);
    fetcher.submit({ intent: "preview-macro", macroId: String(macro.id), csrf }, { method: "post" });
  };

  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  useEffect(() => {
    if (!result || handled.current === result) return;
    handled.current = result;
    if ("error" in result && result.error) return setError(result.error);
    if (!("preview" in result) || !result.preview) return;
    const preview: MacroPreview = result.preview;
    const body = textarea.current?.value ?? "";
    const changes = Object.keys(preview.changes).length > 0;
    const writes = preview.body !== null || range.current !== null;
    const previous: Applied["previous"] = { ...(writes ? { body, kind } : {}), ...(changes ? { draft } : {}) };
    const [start, end] = range.current ?? [0, body.length];
    if (preview.body !== null) {
      setBody(range.current ? body.slice(0, start) + preview.body + body.slice(end) : preview.body);
      setKind(preview.bodyKind === "note" ? "internal" : "public");
    } else if (range.current) {
      setBody(body.slice(0, start) + body.slice(end));
    }
    if (changes) setDraft({ values: { ...draft?.values, ...preview.changes }, key: nextKey() });
    setApplied({ macroId: preview.macroId, name: preview.name, skipped: preview.skipped, recorded: false, previous });
    textarea.current?.focus();
    // Once per preview that arrives (handled.current guards); the rest is read as it is then.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [result]);

  const undo = () => {
    if (!applied) return;
    const { previous } = applied;
    if (previous.body !== undefined) setBody(previous.body);
    if (previous.kind) setKind(previous.kind);
    if (previous.draft !== undefined) setDraft(previous.draft && { ...previous.draft, key: nextKey() });
    setApplied(null);
  };

  /** The reply was sent, or the properties saved: that part can no longer be undone, and the use is counted. */
  const sent = (part: "reply" | "properties") => {
    if (part === "properties") setDraft(null);
    setApplied((current) => {
      if (!current) return null;
      const { body, kind: previousKind, draft: previousDraft } = current.previous;
      const previous: Applied["previous"] = part === "reply" ? { draft: previousDraft } : { body, kind: previousKind };
      const left = part === "reply" ? previousDraft !== undefined : body !== undefined;
      return left ? { ...current, recorded: true, previous } : null;
    });
  };

  return { apply, undo, sent, draft, applied, error, busy: fetcher.state !== "idle", macroId: applied && !applied.recorded ? applied.macroId : null };
}

export default function TicketPage() {
  const { ticket, messages, emailParts, otherTickets, activity, assignees, slaHistory, macros, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [kind, setKind] = useState<Kind>("public");
  const textarea = useRef<HTMLTextAreaElement>(null);
  const macro = useMacroApplication(kind, setKind, textarea, `conductor:draft:${ticket.number}`);
  const { sent } = macro;
  useEffect(() => {
    if (actionData?.intent === "reply" && "sent" in actionData && actionData.sent) sent("reply");
    if (actionData?.intent === "properties" && "updated" in actionData && actionData.updated) sent("properties");
    // Once per answer of the page's action.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [actionData]);
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
          <Composer
            ticketNumber={ticket.number}
            actionData={actionData?.intent === "reply" ? (actionData as ReplyActionData) : undefined}
            kind={kind}
            setKind={setKind}
            textarea={textarea}
            macros={macros}
            macro={macro}
          />
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
            draft={macro.draft}
            macroId={macro.macroId}
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

/** Where a `::` search starts before the caret: at the start of the text or after white space, on the same line, at most 40 characters back. */
function inlineQueryAt(value: string, caret: number): { start: number; query: string } | null {
  const start = value.lastIndexOf("::", caret - 2);
  if (start === -1 || caret - start - 2 > 40) return null;
  const query = value.slice(start + 2, caret);
  if (query.includes("\n")) return null;
  const before = start === 0 ? " " : value[start - 1]!;
  return before === " " || before === "\n" || before === "\t" ? { start, query } : null;
}

type MacroTools = ReturnType<typeof useMacroApplication>;

/**
 * Public reply or internal note. A failed submit keeps the text (Conform), and so does a reload
 * (session storage). Macros come from the picker above it, or from typing `::` and a name.
 */
function Composer({
  ticketNumber,
  actionData,
  kind,
  setKind,
  textarea,
  macros,
  macro,
}: {
  ticketNumber: number;
  actionData?: ReplyActionData;
  kind: Kind;
  setKind: (kind: Kind) => void;
  textarea: React.RefObject<HTMLTextAreaElement>;
  macros: MacroChoice[];
  macro: MacroTools;
}) {
  const navigation = useNavigation();
  const draftKey = `conductor:draft:${ticketNumber}`;
  const [inline, setInline] = useState<{ start: number; end: number; query: string } | null>(null);
  const [active, setActive] = useState(0);
  const [form, fields] = useForm<{ body: string; kind: string }>({
    id: `reply-${ticketNumber}`,
    lastResult: actionData?.result,
    // Validated on the server (this screen ships no zod); the browser checks what HTML can.
    constraint: { body: { required: true, maxLength: 20_000 } },
  });
  useEffect(() => {
    const saved = sessionStorage.getItem(draftKey);
    if (saved && textarea.current && !textarea.current.value) textarea.current.value = saved;
  }, [draftKey, textarea]);
  useEffect(() => {
    if (actionData?.sent) sessionStorage.removeItem(draftKey);
  }, [actionData, draftKey]);
  const submitting = navigation.state === "submitting" && navigation.formData?.get("intent") === "reply";
  const { key, ...textareaProps } = getTextareaProps(fields.body);
  const suggestions = inline ? filterMacros(macros, inline.query) : [];
  const listId = `inline-macros-${ticketNumber}`;
  const chooseInline = (choice: MacroChoice) => {
    if (!inline) return;
    setInline(null);
    macro.apply(choice, [inline.start, inline.end]);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (inline)
      listKeys(
        event,
        suggestions.length,
        active,
        setActive,
        () => chooseInline(suggestions[active]!),
        () => setInline(null),
      );
  };
  return (
    <div className="space-y-2">
      <div className="flex items-center justify-between gap-2">
        <p className="text-xs text-slate-500">
          Type <kbd className="rounded border border-slate-300 px-1">::</kbd> in the message to search macros.
        </p>
        <MacroPicker macros={macros} onChoose={(choice) => macro.apply(choice)} busy={macro.busy} />
      </div>
      {macro.error ? <FormErrors id="macro-apply-error" errors={[macro.error]} /> : null}
      {macro.applied ? (
        <div
          role="status"
          data-testid="macro-applied"
          className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900"
        >
          <span>
            {macro.applied.recorded
              ? `“${macro.applied.name}”: the properties it filled in are not saved yet.`
              : `Applied “${macro.applied.name}”. Nothing is saved until you send or save.`}
            {macro.applied.skipped.map((reason) => ` ${reason}`).join("")}
          </span>
          <button type="button" onClick={macro.undo} className="font-semibold underline">
            Undo
          </button>
        </div>
      ) : null}
      <Form
        method="post"
        {...getFormProps(form)}
        className={`rounded-2xl border p-4 shadow-sm ${kind === "internal" ? "border-amber-300 bg-amber-50" : "border-slate-200 bg-white"}`}
      >
        <CsrfInput />
        <input type="hidden" name="intent" value="reply" />
        {macro.macroId ? <input type="hidden" name="macroId" value={macro.macroId} /> : null}
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
        <div className="relative">
          <textarea
            key={key}
            {...textareaProps}
            ref={textarea}
            rows={5}
            aria-controls={inline ? listId : undefined}
            aria-activedescendant={inline && suggestions[active] ? `${listId}-${suggestions[active].id}` : undefined}
            onInput={(event) => {
              const element = event.currentTarget;
              sessionStorage.setItem(draftKey, element.value);
              const found = macros.length > 0 ? inlineQueryAt(element.value, element.selectionStart) : null;
              setInline(found && { start: found.start, end: element.selectionStart, query: found.query });
              if (!found || found.query !== inline?.query) setActive(0);
            }}
            onKeyDown={onKeyDown}
            onBlur={() => setInline(null)}
            placeholder={kind === "public" ? "Write a reply the customer will see…" : "Write a note only your team will see…"}
            className="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 outline-none focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30"
          />
          {inline ? (
            <div className="absolute left-0 right-0 top-full z-20 mt-1 rounded-xl border border-slate-200 bg-white shadow-lg" data-testid="inline-macros">
              <MacroOptions id={listId} macros={suggestions} active={active} onChoose={chooseInline} label="Macros matching what you typed" />
            </div>
          ) : null}
        </div>
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
    </div>
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
  draft,
  macroId,
}: {
  ticket: Properties;
  assignees: Array<{ id: number; name: string }>;
  actionData?: PropertiesActionData;
  /** Values a macro filled in, not saved yet. */
  draft: Draft | null;
  macroId: number | null;
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
  const shown = { ...base, ...draft?.values };
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
      {draft ? (
        <p className="mt-2 text-sm text-sky-800" data-testid="properties-draft">
          Filled in by a macro: review and save.
        </p>
      ) : null}
      <Form method="post" key={`${formKey}-${draft?.key ?? 0}`} className="mt-3 space-y-3">
        <CsrfInput />
        <input type="hidden" name="intent" value="properties" />
        <input type="hidden" name="version" value={base.version} />
        {macroId ? <input type="hidden" name="macroId" value={macroId} /> : null}
        <PropertySelect id="prop-status" name="status" label="Status" defaultValue={shown.status} options={statusOptions(statuses, shown.status)} />
        <PropertySelect
          id="prop-priority"
          name="priority"
          label="Priority"
          defaultValue={shown.priority}
          options={TICKET_PRIORITIES.map((value) => ({ value, label: PRIORITY_LABELS[value] }))}
        />
        <PropertySelect
          id="prop-assignee"
          name="assigneeId"
          label="Assignee"
          defaultValue={shown.assigneeId === null ? "" : String(shown.assigneeId)}
          options={[{ value: "", label: "Unassigned" }, ...assignees.map((member) => ({ value: String(member.id), label: member.name }))]}
        />
        <div className="space-y-1">
          <label htmlFor="prop-tags" className="block text-xs font-semibold uppercase tracking-wide text-slate-500">
            Tags
          </label>
          <input
            id="prop-tags"
            name="tags"
            defaultValue={shown.tags.join(", ")}
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
