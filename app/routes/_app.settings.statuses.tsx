import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { useEffect } from "react";
import * as z from "zod";
import { STATUS_CATEGORIES, type StatusCategory } from "../../db/tenant-enums";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FormErrors, TextField } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { onAppError, replyOnAppError } from "~/http/route-errors.server";
import { CATEGORY_LABELS } from "~/ticket-statuses/ticket-status-catalog";
import { newStatusSchema, statusKeySchema, statusLabelsSchema } from "~/ticket-statuses/ticket-status-schema";
import {
  createTicketStatus,
  deleteTicketStatus,
  listTicketStatusesWithUsage,
  moveTicketStatus,
  setTicketStatusActive,
  updateTicketStatusLabels,
} from "~/ticket-statuses/ticket-statuses.server";

/**
 * The workspace's ticket statuses, grouped by the fixed categories. Every change is a small form of its
 * own (an intent), so the screen works without JavaScript; adding and renaming redirect back with a
 * notice, the other changes answer with one.
 */

export const handle = access("admin");
export const meta: MetaFunction = () => [{ title: "Statuses · Settings · Conductor" }];

const PAGE = "/settings/statuses";
/** The fields these forms send; anything else, or a field sent twice, is refused before parsing. */
const FORM_FIELDS = new Set(["csrf", "intent", "key", "category", "direction", "agentLabel", "customerLabel"]);
const KEYED_INTENTS = ["rename", "move", "activate", "deactivate", "delete"] as const;
const categorySchema = z.enum(STATUS_CATEGORIES);
const directionSchema = z.enum(["up", "down"]);

/** A key that is not well-formed names no status: the same answer as a key that matches none. */
const statusKey = (value: FormDataEntryValue | null) => {
  const parsed = statusKeySchema.safeParse(typeof value === "string" ? value : undefined);
  if (!parsed.success) throw notFound("That status");
  return parsed.data;
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const search = new URL(request.url).searchParams;
  const statuses = await listTicketStatusesWithUsage(context.db);
  const added = statuses.find((status) => status.key === search.get("added"));
  const saved = statuses.find((status) => status.key === search.get("saved"));
  return {
    categories: STATUS_CATEGORIES.map((category) => ({
      category,
      label: CATEGORY_LABELS[category],
      statuses: statuses.filter((status) => status.category === category),
    })),
    // Texts made here from the rows, so nothing from the URL is shown.
    notice: added ? `“${added.agentLabel}” added to ${CATEGORY_LABELS[added.category]}.` : saved ? `“${saved.agentLabel}” saved.` : null,
  };
}

type ActionData = {
  intent: string;
  key?: string;
  category?: string;
  direction?: "up" | "down";
  result?: SubmissionResult<string[]>;
  notice?: string;
  error?: string;
};

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = agentActor(requireUser(context));
  const form = await request.formData();
  const names = [...form.keys()];
  if (names.some((name) => !FORM_FIELDS.has(name)) || new Set(names).size !== names.length) {
    return data<ActionData>({ intent: "", error: "That form was not valid. Reload the page and try again." }, { status: 400 });
  }
  const intent = String(form.get("intent") ?? "");

  if (intent === "create") {
    const category = categorySchema.safeParse(form.get("category"));
    if (!category.success) return data<ActionData>({ intent, error: "Choose one of the categories on this page." }, { status: 400 });
    const submission = parseWithZod(form, { schema: newStatusSchema });
    const reply = (result: SubmissionResult<string[]>): ActionData => ({ intent, category: category.data, result });
    if (submission.status !== "success") return data(reply(submission.reply()), { status: 400 });
    const input = submission.value;
    return replyOnAppError(submission, async () => redirect(`${PAGE}?added=${(await createTicketStatus(context.db, actor, input)).key}`), { body: reply });
  }

  if (!(KEYED_INTENTS as readonly string[]).includes(intent)) return data<ActionData>({ intent, error: "Unknown action." }, { status: 400 });
  const key = statusKey(form.get("key"));

  if (intent === "rename") {
    const submission = parseWithZod(form, { schema: statusLabelsSchema });
    const reply = (result: SubmissionResult<string[]>, error?: { message: string }): ActionData => ({ intent, key, result, error: error?.message });
    if (submission.status !== "success") return data(reply(submission.reply()), { status: 400 });
    const input = submission.value;
    return replyOnAppError(
      submission,
      async () => {
        await updateTicketStatusLabels(context.db, actor, key, input);
        return redirect(`${PAGE}?saved=${key}`);
      },
      { body: reply },
    );
  }

  const direction = directionSchema.safeParse(form.get("direction"));
  if (intent === "move" && !direction.success) return data<ActionData>({ intent, key, error: "Choose to move the status up or down." }, { status: 400 });
  return onAppError(
    async (): Promise<ActionData> => {
      if (intent === "move") {
        await moveTicketStatus(context.db, actor, key, direction.data!);
        return { intent, key, direction: direction.data, notice: `Moved ${direction.data}.` };
      }
      if (intent === "delete") return { intent, key, notice: `“${(await deleteTicketStatus(context.db, actor, key)).agentLabel}” deleted.` };
      const active = intent === "activate";
      await setTicketStatusActive(context.db, actor, key, active);
      return {
        intent,
        key,
        notice: active ? "Reactivated: agents can choose it again." : "Deactivated: agents can no longer choose it; tickets in it keep it.",
      };
    },
    (error): ActionData => ({ intent, key, error: error.message }),
  );
}

type CategoryGroup = ReturnType<typeof useLoaderData<typeof loader>>["categories"][number];
type StatusRow = CategoryGroup["statuses"][number];

export default function StatusSettings() {
  const { categories, notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const keys = new Set(categories.flatMap((group) => group.statuses.map((status) => status.key)));
  // Errors about no status on the page (or no form at all) show at the top; the rest beside their status.
  const orphan = actionData && !(actionData.key && keys.has(actionData.key)) && !(actionData.intent === "create" && actionData.category);
  const orphanError = orphan ? (actionData.error ?? actionData.result?.error?.[""]?.join(" ")) : undefined;
  return (
    <div className="space-y-6">
      {orphanError ? <FormErrors id="statuses-error" errors={[orphanError]} /> : null}
      {actionData?.intent === "delete" && actionData.notice ? <Notice>{actionData.notice}</Notice> : null}
      {notice && !actionData ? <Notice>{notice}</Notice> : null}
      <Section
        title="Statuses"
        description="Tickets move through six fixed categories, and the categories drive every rule: counters, dashboards, SLA clocks, reopening on a customer's reply. Within each category your team can use its own statuses. Agents see the agent label; the portal shows customers the customer label. A status that tickets are in cannot be deleted, only deactivated; each category's built-in status can be renamed but always stays."
      >
        <div className="space-y-8">
          {categories.map((group) => (
            <CategoryStatuses key={group.category} group={group} actionData={actionData} />
          ))}
        </div>
      </Section>
    </div>
  );
}

function CategoryStatuses({ group, actionData }: { group: CategoryGroup; actionData: ActionData | undefined }) {
  // Forms start afresh after every navigation (a saved change); a refused one comes back with its result.
  const { key: navigation } = useLocation();
  const headingId = `category-${group.category}`;
  return (
    <section aria-labelledby={headingId} data-testid={`category-${group.category}`} className="space-y-3">
      <h3 id={headingId} className="text-base font-semibold text-slate-900">
        {group.label}
      </h3>
      <ol className="divide-y divide-slate-100 rounded-xl border border-slate-200" aria-label={`Statuses in ${group.label}, in order`}>
        {group.statuses.map((status, index) => (
          <StatusItem
            key={status.key}
            status={status}
            first={index === 0}
            last={index === group.statuses.length - 1}
            actionData={actionData?.key === status.key ? actionData : undefined}
          />
        ))}
      </ol>
      <AddStatusForm
        key={navigation}
        category={group.category}
        label={group.label}
        actionData={actionData?.intent === "create" && actionData.category === group.category ? actionData : undefined}
      />
    </section>
  );
}

const pill = "rounded-full px-2 py-0.5 text-xs font-semibold";

function StatusItem({ status, first, last, actionData }: { status: StatusRow; first: boolean; last: boolean; actionData: ActionData | undefined }) {
  const { key: navigation } = useLocation();
  const moved = actionData?.intent === "move" && actionData.direction && !actionData.error ? actionData : undefined;
  useEffect(() => {
    if (!moved?.direction) return;
    // The row has moved (its button may now be disabled): keep the keyboard on this status's move buttons.
    const button = [moved.direction, moved.direction === "up" ? "down" : "up"]
      .map((direction) => document.getElementById(moveButtonId(status.key, direction)))
      .find((element): element is HTMLButtonElement => element instanceof HTMLButtonElement && !element.disabled);
    button?.focus();
  }, [moved, status.key]);
  const tickets = status.ticketCount === 1 ? "1 ticket" : `${status.ticketCount} tickets`;
  const rowError = actionData?.intent !== "rename" ? actionData?.error : undefined;
  return (
    <li data-testid={`status-${status.key}`} className="space-y-2 p-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0 space-y-1 text-sm">
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-semibold text-slate-900">{status.agentLabel}</span>
            {status.builtIn ? <span className={`${pill} bg-gradient-primary text-white`}>Built-in</span> : null}
            <span className={`${pill} ${status.active ? "bg-emerald-100 text-emerald-800" : "bg-slate-200 text-slate-700"}`}>
              {status.active ? "Active" : "Inactive"}
            </span>
          </p>
          <p className="text-slate-600">{`Customers see: ${status.customerLabel}`}</p>
          <p className="text-xs text-slate-500">{tickets}</p>
        </div>
        <div className="flex shrink-0 flex-wrap items-start gap-2 sm:justify-end">
          <MoveButton status={status} direction="up" disabled={first} />
          <MoveButton status={status} direction="down" disabled={last} />
          <RenameStatus key={navigation} status={status} actionData={actionData?.intent === "rename" ? actionData : undefined} />
          {status.builtIn ? null : <ActiveToggle status={status} />}
          {status.builtIn || status.ticketCount > 0 ? null : <DeleteStatus status={status} />}
        </div>
      </div>
      {status.builtIn ? null : status.ticketCount > 0 ? (
        <p className="text-xs text-slate-500">{`In use by ${tickets}: it can be deactivated but not deleted.`}</p>
      ) : null}
      {rowError ? <FormErrors id={`status-${status.key}-error`} errors={[rowError]} /> : null}
      {actionData?.notice ? <Notice>{actionData.notice}</Notice> : null}
    </li>
  );
}

function KeyedForm({ status, intent, children }: { status: StatusRow; intent: string; children: React.ReactNode }) {
  return (
    <Form method="post" action={PAGE}>
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="key" value={status.key} />
      {children}
    </Form>
  );
}

const moveButtonId = (key: string, direction: string) => `move-${key}-${direction}`;

function MoveButton({ status, direction, disabled }: { status: StatusRow; direction: "up" | "down"; disabled: boolean }) {
  return (
    <KeyedForm status={status} intent="move">
      <Button
        id={moveButtonId(status.key, direction)}
        variant="secondary"
        name="direction"
        value={direction}
        disabled={disabled}
        className="px-3 py-1"
        aria-label={`Move ${status.agentLabel} ${direction}`}
      >
        {direction === "up" ? "Up" : "Down"}
      </Button>
    </KeyedForm>
  );
}

function ActiveToggle({ status }: { status: StatusRow }) {
  return (
    <KeyedForm status={status} intent={status.active ? "deactivate" : "activate"}>
      <Button variant="secondary" className="px-3 py-1">
        {status.active ? "Deactivate" : "Reactivate"}
        <span className="sr-only">{` ${status.agentLabel}`}</span>
      </Button>
    </KeyedForm>
  );
}

/** A disclosure asks for confirmation without JavaScript; it closes once any action has navigated. */
function DeleteStatus({ status }: { status: StatusRow }) {
  const { key: navigation } = useLocation();
  return (
    <details key={navigation} className="w-min">
      <summary className="cursor-pointer list-none rounded-lg border border-rose-300 bg-white px-3 py-1 text-sm font-semibold text-rose-700 hover:bg-rose-50">
        Delete<span className="sr-only">{` ${status.agentLabel}`}</span>
      </summary>
      <div className="mt-2 w-60 whitespace-normal rounded-xl border border-rose-200 bg-rose-50/40 p-3 text-sm">
        <KeyedForm status={status} intent="delete">
          <p className="mb-3 text-slate-700">{`Delete “${status.agentLabel}” for good? No ticket is in it.`}</p>
          <Button variant="danger" className="w-full px-3 py-1">
            {`Delete “${status.agentLabel}”`}
          </Button>
        </KeyedForm>
      </div>
    </details>
  );
}

function RenameStatus({ status, actionData }: { status: StatusRow; actionData: ActionData | undefined }) {
  const [form, fields] = useForm({
    id: `rename-${status.key}`,
    lastResult: actionData?.result,
    defaultValue: { agentLabel: status.agentLabel, customerLabel: status.customerLabel },
    constraint: getZodConstraint(statusLabelsSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: statusLabelsSchema }),
  });
  const failed = Boolean(actionData?.error || actionData?.result?.error);
  return (
    <details open={failed || undefined} className="w-min">
      <summary className="cursor-pointer list-none rounded-lg border border-slate-300 bg-white px-3 py-1 text-sm font-semibold text-slate-800 hover:bg-slate-50">
        Rename<span className="sr-only">{` ${status.agentLabel}`}</span>
      </summary>
      <Form
        method="post"
        action={PAGE}
        {...getFormProps(form)}
        className="mt-2 w-72 space-y-3 whitespace-normal rounded-xl border border-slate-200 bg-slate-50 p-3"
      >
        <CsrfInput />
        <input type="hidden" name="intent" value="rename" />
        <input type="hidden" name="key" value={status.key} />
        <FormErrors id={form.errorId} errors={form.errors} />
        <TextField field={fields.agentLabel} label="Agent label" />
        <TextField field={fields.customerLabel} label="Customer label" hint="Shown in the portal." />
        <Button className="w-full px-3 py-1">{`Save “${status.agentLabel}”`}</Button>
      </Form>
    </details>
  );
}

function AddStatusForm({ category, label, actionData }: { category: StatusCategory; label: string; actionData: ActionData | undefined }) {
  const [form, fields] = useForm({
    id: `add-status-${category}`,
    lastResult: actionData?.result,
    defaultValue: { category, agentLabel: "", customerLabel: "" },
    constraint: getZodConstraint(newStatusSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: newStatusSchema }),
  });
  const failed = Boolean(actionData?.result?.error);
  return (
    <details open={failed || undefined}>
      <summary className="inline-flex cursor-pointer list-none rounded-lg px-3 py-1 text-sm font-semibold text-brand-700 hover:bg-slate-100">
        Add status<span className="sr-only">{` to ${label}`}</span>
      </summary>
      <Form method="post" action={PAGE} {...getFormProps(form)} className="mt-2 space-y-3 rounded-xl border border-slate-200 bg-slate-50 p-4">
        <CsrfInput />
        <input type="hidden" name="intent" value="create" />
        <input type="hidden" name="category" value={category} />
        <FormErrors id={form.errorId} errors={form.errors} />
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField field={fields.agentLabel} label="Agent label" placeholder="Waiting on vendor" />
          <TextField field={fields.customerLabel} label="Customer label" placeholder="In progress" hint="Shown in the portal." />
        </div>
        <Button className="px-3 py-1">{`Add to ${label}`}</Button>
      </Form>
    </details>
  );
}
