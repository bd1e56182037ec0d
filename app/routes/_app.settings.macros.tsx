import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { AppError, notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FormErrors, SelectField, TextAreaField, TextField } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { useTicketStatuses } from "~/hooks/use-ticket-statuses";
import { onAppError, replyOnAppError } from "~/http/route-errors.server";
import { MACRO_PLACEHOLDERS } from "~/macros/macro-placeholders";
import { MAX_MACRO_BODY_LENGTH, macroFormSchema, macroInputFromForm, type MacroActions } from "~/macros/macro-schema";
import { createMacro, deleteMacro, getMacro, listMacros, updateMacro } from "~/macros/macros.server";
import { routeParam, rowIdParam } from "~/http/route-params.server";
import { agentStatusLabel, statusOptions } from "~/ticket-statuses/ticket-status-catalog";
import { listAssignees } from "~/tickets/ticket-detail.server";
import { PRIORITY_LABELS } from "~/tickets/ticket-labels";
import { TICKET_PRIORITIES } from "../../db/tenant-enums";

/**
 * Macros: the workspace's shared ones (admins manage them; agents use them) and each member's own.
 * The list, then one form that creates a macro or edits the one named by `?edit=<id>`, as on the
 * business-hours screen.
 */

export const handle = access("agent");
export const meta: MetaFunction = () => [{ title: "Macros · Settings · Conductor" }];

const PAGE = "/settings/macros";
/** The fields these forms send; anything else, or a field sent twice, is refused before parsing. */
const FORM_FIELDS = new Set(["csrf", "intent", "macroId", "name", "scope", "bodyKind", "body", "status", "priority", "assigneeId", "addTags", "removeTags"]);

const macroId = (value: unknown) => routeParam(rowIdParam, typeof value === "string" ? value : undefined, () => notFound("That macro"));

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = requireUser(context);
  const search = new URL(request.url).searchParams;
  const [macros, assignees] = await Promise.all([listMacros(context.db, user), listAssignees(context.db)]);
  const editing = search.has("edit") ? await getMacro(context.db, user, macroId(search.get("edit"))) : null;
  if (editing && !editing.editable) throw new AppError("forbidden", "Only admins can change the workspace's shared macros.");
  const saved = macros.find((macro) => String(macro.id) === search.get("saved"));
  return {
    isAdmin: user.role === "admin",
    macros: macros.map(({ lastUsedAt, ...macro }) => ({ ...macro, lastUsedAt: lastUsedAt?.toISOString() ?? null })),
    editing,
    assignees,
    savedNotice: saved ? `“${saved.name}” saved.` : null,
  };
}

type ActionData = { intent: string; result?: SubmissionResult<string[]>; notice?: string; error?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = requireUser(context);
  const form = await request.formData();
  const names = [...form.keys()];
  if (names.some((name) => !FORM_FIELDS.has(name)) || new Set(names).size !== names.length) {
    return data<ActionData>({ intent: "", error: "That form was not valid. Reload the page and try again." }, { status: 400 });
  }
  const intent = String(form.get("intent") ?? "");
  if (intent === "delete") {
    const id = macroId(form.get("macroId"));
    return onAppError(
      async (): Promise<ActionData> => ({ intent, notice: `“${(await deleteMacro(context.db, user, id)).name}” deleted.` }),
      (error): ActionData => ({ intent, error: error.message }),
    );
  }
  if (intent !== "save") return data<ActionData>({ intent, error: "Unknown action." }, { status: 400 });
  const search = new URL(request.url).searchParams;
  const editId = search.has("edit") ? macroId(search.get("edit")) : null;
  const submission = parseWithZod(form, { schema: macroFormSchema });
  if (submission.status !== "success") return data<ActionData>({ intent, result: submission.reply() }, { status: 400 });
  const input = macroInputFromForm(submission.value);
  return replyOnAppError(
    submission,
    async () => {
      const saved = editId === null ? await createMacro(context.db, user, input) : await updateMacro(context.db, user, editId, input);
      return redirect(`${PAGE}?saved=${saved.id}`);
    },
    { body: (result): ActionData => ({ intent, result }) },
  );
}

type MacroRow = ReturnType<typeof useLoaderData<typeof loader>>["macros"][number];

export default function MacroSettings() {
  const { macros, savedNotice, isAdmin } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const listResult = actionData && actionData.intent !== "save" ? actionData : undefined;
  const { editing } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      {listResult?.error ? <FormErrors id="macro-error" errors={[listResult.error]} /> : null}
      {listResult?.notice ? <Notice>{listResult.notice}</Notice> : null}
      {savedNotice && !actionData ? <Notice>{savedNotice}</Notice> : null}
      <Section
        title="Macros"
        description={
          isAdmin
            ? "One click answers a common question: a macro can write a reply or an internal note and change the ticket's status, priority, assignee and tags. Shared macros are for the whole team; personal ones only for their author. Most used first."
            : "One click answers a common question. Shared macros are managed by admins; your personal macros are yours alone. Most used first."
        }
      >
        {macros.length === 0 ? <p className="text-sm text-slate-500">No macros yet.</p> : <MacroList macros={macros} />}
      </Section>
      <MacroForm key={editing?.id ?? "new"} />
    </div>
  );
}

function MacroList({ macros }: { macros: MacroRow[] }) {
  return (
    <ul className="divide-y divide-slate-100">
      {macros.map((macro) => (
        <li
          key={macro.id}
          data-testid={`macro-${macro.id}`}
          className="flex flex-col gap-3 py-4 first:pt-0 last:pb-0 sm:flex-row sm:items-start sm:justify-between"
        >
          <div className="min-w-0 space-y-1 text-sm">
            <p className="flex flex-wrap items-center gap-2">
              <span className="font-semibold text-slate-900">{macro.name}</span>
              <span
                className={`rounded-full px-2 py-0.5 text-xs font-semibold ${macro.shared ? "bg-gradient-primary text-white" : "bg-slate-200 text-slate-700"}`}
              >
                {macro.shared ? "Shared" : "Personal"}
              </span>
            </p>
            <MacroSummary macro={macro} />
            <p className="text-xs text-slate-500" data-testid="usage">
              {macro.usageCount === 1 ? "Used once" : macro.usageCount === 0 ? "Not used yet" : `Used ${macro.usageCount} times`}
            </p>
          </div>
          {macro.editable ? <MacroActionsCell macro={macro} /> : <p className="text-xs text-slate-500">Managed by admins</p>}
        </li>
      ))}
    </ul>
  );
}

function MacroSummary({ macro }: { macro: MacroRow }) {
  const statuses = useTicketStatuses();
  const { assignees } = useLoaderData<typeof loader>();
  const actions = macro.actions as MacroActions;
  const parts = [
    macro.bodyKind === "reply" ? "Writes a reply" : macro.bodyKind === "note" ? "Writes an internal note" : null,
    actions.status ? `status ${agentStatusLabel(statuses, actions.status)}` : null,
    actions.priority ? `priority ${PRIORITY_LABELS[actions.priority]}` : null,
    actions.assigneeId === null
      ? "unassigns"
      : actions.assigneeId !== undefined
        ? `assigns ${assignees.find((member) => member.id === actions.assigneeId)?.name ?? "a former member"}`
        : null,
    actions.addTags?.length ? `adds ${actions.addTags.join(", ")}` : null,
    actions.removeTags?.length ? `removes ${actions.removeTags.join(", ")}` : null,
  ].filter(Boolean);
  return <p className="text-slate-600">{parts.join(" · ")}</p>;
}

function MacroActionsCell({ macro }: { macro: MacroRow }) {
  // A confirmation left open closes once any action (or link) has navigated.
  const { key: navigation } = useLocation();
  return (
    <div className="flex shrink-0 flex-wrap items-start gap-2 sm:justify-end">
      <Link to={`${PAGE}?edit=${macro.id}`} className="rounded-lg px-3 py-1 text-sm font-semibold text-brand-700 hover:bg-slate-100">
        Edit<span className="sr-only"> {macro.name}</span>
      </Link>
      <details key={navigation} className="w-min">
        <summary className="cursor-pointer list-none rounded-lg border border-rose-300 bg-white px-3 py-1 text-sm font-semibold text-rose-700 hover:bg-rose-50">
          Delete<span className="sr-only"> {macro.name}</span>
        </summary>
        <div className="mt-2 w-60 whitespace-normal rounded-xl border border-rose-200 bg-rose-50/40 p-3 text-sm">
          <Form method="post" action={PAGE} className="space-y-3">
            <CsrfInput />
            <input type="hidden" name="intent" value="delete" />
            <input type="hidden" name="macroId" value={macro.id} />
            <p className="text-slate-700">
              Delete “{macro.name}” for good?{macro.shared ? " Nobody in the team will be able to use it." : ""}
            </p>
            <Button variant="danger" className="w-full px-3 py-1">
              Delete “{macro.name}”
            </Button>
          </Form>
        </div>
      </details>
    </div>
  );
}

const KEEP = { value: "", label: "Leave as it is" };

function MacroForm() {
  const { editing, assignees, isAdmin } = useLoaderData<typeof loader>();
  const statuses = useTicketStatuses();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const saveResult = actionData?.intent === "save" ? actionData : undefined;
  const actions = (editing?.actions ?? {}) as MacroActions;
  const [form, fields] = useForm({
    id: editing ? `macro-${editing.id}` : "macro-new",
    lastResult: saveResult?.result,
    defaultValue: {
      name: editing?.name ?? "",
      scope: editing ? (editing.shared ? "shared" : "personal") : "personal",
      bodyKind: editing?.bodyKind ?? "reply",
      body: editing?.body ?? "",
      status: actions.status ?? "",
      priority: actions.priority ?? "",
      assigneeId: actions.assigneeId === null ? "unassign" : actions.assigneeId === undefined ? "" : String(actions.assigneeId),
      addTags: actions.addTags?.join(", ") ?? "",
      removeTags: actions.removeTags?.join(", ") ?? "",
    },
    constraint: getZodConstraint(macroFormSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: macroFormSchema }),
  });
  return (
    <Section
      title={editing ? `Edit “${editing.name}”` : "New macro"}
      description={
        editing ? (
          <Link to={PAGE} className="font-medium text-brand-700 underline">
            Cancel editing
          </Link>
        ) : undefined
      }
    >
      <Form method="post" {...getFormProps(form)} className="grid gap-5">
        <CsrfInput />
        <input type="hidden" name="intent" value="save" />
        <FormErrors id={form.errorId} errors={form.errors} />
        {saveResult?.error ? <FormErrors id="macro-form-error" errors={[saveResult.error]} /> : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField field={fields.name} label="Name" placeholder="Refund issued" />
          {editing ? (
            <div className="space-y-1.5 text-sm">
              <p className="font-medium text-slate-700">Who can use it</p>
              <p className="py-2 text-slate-600">{editing.shared ? "Everyone (shared)" : "Only you (personal)"}</p>
              <input type="hidden" name="scope" value={editing.shared ? "shared" : "personal"} />
            </div>
          ) : isAdmin ? (
            <SelectField
              field={fields.scope}
              label="Who can use it"
              options={[
                { value: "personal", label: "Only me (personal)" },
                { value: "shared", label: "Everyone (shared)" },
              ]}
            />
          ) : (
            <div className="space-y-1.5 text-sm">
              <p className="font-medium text-slate-700">Who can use it</p>
              <p className="py-2 text-slate-600">Only you (personal). Admins manage the shared macros.</p>
              <input type="hidden" name="scope" value="personal" />
            </div>
          )}
        </div>
        <SelectField
          field={fields.bodyKind}
          label="Text"
          options={[
            { value: "reply", label: "Writes a public reply" },
            { value: "note", label: "Writes an internal note" },
            { value: "none", label: "No text: only changes the ticket" },
          ]}
        />
        <div className="space-y-1.5">
          <TextAreaField field={fields.body} label="Reply or note" rows={6} placeholder="Hi {{customer.first_name}}, …" />
          <p className="text-xs text-slate-500" id="macro-placeholders">
            Plain text, at most {MAX_MACRO_BODY_LENGTH.toLocaleString("en")} characters. Placeholders:{" "}
            {MACRO_PLACEHOLDERS.map((name) => (
              <code key={name} className="mr-1 rounded bg-slate-100 px-1 text-slate-800">{`{{${name}}}`}</code>
            ))}
          </p>
        </div>
        <fieldset className="grid gap-4 sm:grid-cols-3">
          <legend className="mb-2 text-sm font-medium text-slate-700">Changes to the ticket</legend>
          <SelectField field={fields.status} label="Status" options={[KEEP, ...statusOptions(statuses, actions.status)]} />
          <SelectField
            field={fields.priority}
            label="Priority"
            options={[KEEP, ...TICKET_PRIORITIES.map((value) => ({ value, label: PRIORITY_LABELS[value] }))]}
          />
          <SelectField
            field={fields.assigneeId}
            label="Assignee"
            options={[KEEP, { value: "unassign", label: "Unassign" }, ...assignees.map((member) => ({ value: String(member.id), label: member.name }))]}
          />
        </fieldset>
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField field={fields.addTags} label="Add tags" placeholder="refund, billing" hint="Separated by commas or spaces." />
          <TextField field={fields.removeTags} label="Remove tags" placeholder="waiting" />
        </div>
        <div className="flex gap-3">
          <Button>{editing ? "Save changes" : "Create macro"}</Button>
          {editing ? (
            <Link to={PAGE} className="inline-flex items-center rounded-lg px-4 py-2 text-sm font-semibold text-slate-700 hover:bg-slate-100">
              Cancel
            </Link>
          ) : null}
        </div>
      </Form>
    </Section>
  );
}
