import { getFormProps, useForm, type FieldMetadata, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { CheckboxGroup } from "~/components/checkbox-group";
import { Button, Checkbox, CsrfInput, FormErrors, SelectField, TextAreaField, TextField } from "~/components/form-fields";
import { Section } from "~/components/section";
import { useTicketStatuses } from "~/hooks/use-ticket-statuses";
import { replyOnAppError } from "~/http/route-errors.server";
import { routeParam, rowIdParam } from "~/http/route-params.server";
import { MACRO_PLACEHOLDERS } from "~/macros/macro-placeholders";
import { CATEGORY_LABELS, statusOptions } from "~/ticket-statuses/ticket-status-catalog";
import { listAssignees } from "~/tickets/ticket-detail.server";
import { PRIORITY_LABELS } from "~/tickets/ticket-labels";
import {
  ACTION_TYPE_NAMES,
  ACTION_TYPES,
  CONDITION_FIELD_NAMES,
  CONDITION_FIELDS,
  MAX_TRIGGER_ACTIONS,
  MAX_TRIGGER_CONDITIONS,
  OPERATOR_LABELS,
  operatorTakesValue,
  TRIGGER_EVENT_LABELS,
  TRIGGER_EVENTS,
  triggerFormSchema,
  triggerFormValues,
  type ConditionField,
  type TriggerInput,
} from "~/triggers/trigger-schema";
import { createTrigger, getTrigger, updateTrigger } from "~/triggers/triggers.server";
import { listWebhooks } from "~/webhooks/webhooks.server";
import { STATUS_CATEGORIES, TICKET_CHANNELS, TICKET_PRIORITIES } from "../../db/tenant-enums";

/** One trigger's form (`/settings/triggers/new` or `/settings/triggers/<id>`): events, condition rows and action rows. */

export const handle = access("admin");
export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [
  { title: `${loaded?.trigger ? loaded.trigger.name : "New trigger"} · Triggers · Conductor` },
];

const PAGE = "/settings/triggers";
/** The names this form sends; anything else (or a repeated single field) is refused before parsing. */
const FIELD_NAME =
  /^(csrf|intent|name|active|events|match|__intent__|conditions\[\d{1,4}\]\.(field|operator|value)|actions\[\d{1,4}\]\.(type|value|subject|body))$/;
/** More entries than the largest valid trigger can send. */
const MAX_ENTRIES = 10 + TRIGGER_EVENTS.length + MAX_TRIGGER_CONDITIONS * 3 + MAX_TRIGGER_ACTIONS * 4;

function triggerIdFrom(param: string | undefined): number | null {
  return param === "new" ? null : routeParam(rowIdParam, param, () => notFound("That trigger"));
}

export async function loader({ params, context }: LoaderFunctionArgs) {
  const id = triggerIdFrom(params.id);
  const [trigger, assignees, webhooks] = await Promise.all([
    id === null ? null : getTrigger(context.db, id),
    listAssignees(context.db),
    listWebhooks(context.db),
  ]);
  return {
    trigger: trigger ? { id: trigger.id, name: trigger.name, values: triggerFormValues(trigger) } : null,
    assignees,
    webhooks: webhooks.map((webhook) => ({ id: webhook.id, label: webhook.description ? `${webhook.description} (${webhook.url})` : webhook.url })),
  };
}

type ActionData = { result?: SubmissionResult<string[]>; error?: string; notice?: string };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const actor = agentActor(requireUser(context));
  const id = triggerIdFrom(params.id);
  if (id !== null) await getTrigger(context.db, id);
  const form = await request.formData();
  const names = [...form.keys()];
  if (names.length > MAX_ENTRIES) {
    return data<ActionData>({ error: `A trigger has at most ${MAX_TRIGGER_CONDITIONS} conditions and ${MAX_TRIGGER_ACTIONS} actions.` }, { status: 400 });
  }
  const repeated = names.filter((name, index) => name !== "events" && names.indexOf(name) !== index);
  if (names.some((name) => !FIELD_NAME.test(name)) || repeated.length > 0) {
    return data<ActionData>({ error: "That form was not valid. Reload the page and try again." }, { status: 400 });
  }
  const submission = parseWithZod(form, { schema: triggerFormSchema });
  // Adding or removing a row (Conform's list intents) answers with the form as it now is.
  if (submission.status === undefined) return data<ActionData>({ result: submission.reply() });
  if (submission.status !== "success") return data<ActionData>({ result: submission.reply() }, { status: 400 });
  const input = submission.value;
  return replyOnAppError(
    submission,
    async () => {
      if (id === null) {
        await createTrigger(context.db, actor, input);
        return redirect(`${PAGE}?notice=created`);
      }
      await updateTrigger(context.db, actor, id, input);
      return redirect(`${PAGE}?notice=saved`);
    },
    { body: (result): ActionData => ({ result }) },
  );
}

/** The form as Conform sees it: rows of strings, turned into a trigger by triggerFormSchema. */
type ConditionFields = { field: string; operator: string; value?: string };
type ActionFields = { type: string; value?: string; subject?: string; body?: string };
type TriggerFields = { name: string; active: boolean | undefined; events: string[]; match: string; conditions: ConditionFields[]; actions: ActionFields[] };

const NEW_TRIGGER = {
  name: "",
  active: "on",
  events: ["ticket_updated"],
  match: "all",
  conditions: [{ field: "priority", operator: "changed_to", value: "urgent" }],
  actions: [{ type: "add_tags", value: "" }],
};

export default function TriggerPage() {
  const { trigger } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const [form, fields] = useForm<TriggerFields, TriggerInput>({
    id: trigger ? `trigger-${trigger.id}` : "trigger-new",
    lastResult: actionData?.result,
    defaultValue: trigger?.values ?? NEW_TRIGGER,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: triggerFormSchema }),
  });
  const conditions = fields.conditions.getFieldList();
  const actions = fields.actions.getFieldList();
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to={PAGE} className="font-medium text-brand-700 underline-offset-2 hover:underline">
          ← All triggers
        </Link>
      </p>
      {actionData?.error ? <FormErrors id="trigger-error" errors={[actionData.error]} /> : null}
      <Form method="post" {...getFormProps(form)} className="space-y-6">
        <CsrfInput />
        <input type="hidden" name="intent" value="save" />
        <FormErrors id={form.errorId} errors={form.errors} />
        <Section title={trigger ? `Edit “${trigger.name}”` : "New trigger"}>
          <div className="grid gap-5">
            <TextField field={fields.name} label="Name" placeholder="Escalate VIP customers" />
            <CheckboxGroup
              field={fields.events}
              legend="Runs when"
              options={TRIGGER_EVENTS.map((event) => ({ value: event, label: TRIGGER_EVENT_LABELS[event] }))}
            />
            <Checkbox field={fields.active} label="On (the trigger runs)" />
          </div>
        </Section>

        <Section title="Conditions" description="With no conditions, the trigger runs on every chosen event.">
          <div className="space-y-4">
            <SelectField
              field={fields.match}
              label="The trigger runs when"
              options={[
                { value: "all", label: "all conditions hold" },
                { value: "any", label: "any condition holds" },
              ]}
            />
            <FormErrors id={fields.conditions.errorId} errors={fields.conditions.errors} />
            <ol className="space-y-3" aria-label="Conditions">
              {conditions.map((condition, index) => (
                <li key={condition.key ?? index} className="rounded-xl border border-slate-200 p-3">
                  <ConditionRow field={condition} index={index} />
                  <div className="mt-2">
                    <Button variant="ghost" className="px-3 py-1" {...form.remove.getButtonProps({ name: fields.conditions.name, index })}>
                      Remove condition {index + 1}
                    </Button>
                  </div>
                </li>
              ))}
            </ol>
            <Button
              variant="secondary"
              className="px-3 py-1"
              disabled={conditions.length >= MAX_TRIGGER_CONDITIONS}
              {...form.insert.getButtonProps({ name: fields.conditions.name, defaultValue: { field: "tags", operator: "contains", value: "" } })}
            >
              Add a condition
            </Button>
          </div>
        </Section>

        <Section
          title="Actions"
          description={
            <>
              Applied in order. Emails are sent only for changes people make, never in answer to automated mail. Notes and emails may use{" "}
              {MACRO_PLACEHOLDERS.map((name) => (
                <code key={name} className="mr-1 rounded bg-slate-100 px-1 text-slate-800">{`{{${name}}}`}</code>
              ))}
              ; for a trigger, “agent” is the ticket's assignee.
            </>
          }
        >
          <div className="space-y-4">
            <FormErrors id={fields.actions.errorId} errors={fields.actions.errors} />
            <ol className="space-y-3" aria-label="Actions">
              {actions.map((item, index) => (
                <li key={item.key ?? index} className="rounded-xl border border-slate-200 p-3">
                  <ActionRow field={item} index={index} />
                  <div className="mt-2">
                    <Button variant="ghost" className="px-3 py-1" {...form.remove.getButtonProps({ name: fields.actions.name, index })}>
                      Remove action {index + 1}
                    </Button>
                  </div>
                </li>
              ))}
            </ol>
            <Button
              variant="secondary"
              className="px-3 py-1"
              disabled={actions.length >= MAX_TRIGGER_ACTIONS}
              {...form.insert.getButtonProps({ name: fields.actions.name, defaultValue: { type: "add_tags", value: "" } })}
            >
              Add an action
            </Button>
          </div>
        </Section>

        <div className="flex gap-3">
          <Button>{trigger ? "Save trigger" : "Create trigger"}</Button>
          <Link to={PAGE} className="inline-flex items-center rounded-lg px-4 py-2 text-sm font-semibold text-slate-700 hover:bg-slate-100">
            Cancel
          </Link>
        </div>
      </Form>
    </div>
  );
}

type Row<T extends Record<string, unknown>> = FieldMetadata<T | undefined>;
const CHOOSE = { value: "", label: "Choose…" };

function ConditionRow({ field, index }: { field: Row<ConditionFields>; index: number }) {
  const statuses = useTicketStatuses();
  const { assignees } = useLoaderData<typeof loader>();
  const row = field.getFieldset();
  const chosen = Object.hasOwn(CONDITION_FIELDS, row.field.value ?? "") ? (row.field.value as ConditionField) : null;
  const operators = chosen ? CONDITION_FIELDS[chosen].operators : (Object.keys(OPERATOR_LABELS) as Array<keyof typeof OPERATOR_LABELS>);
  const kind = chosen ? CONDITION_FIELDS[chosen].value : "text";
  const label = `Condition ${index + 1}`;
  const takesValue = operatorTakesValue(row.operator.value ?? "") && kind !== "none";
  const valueOptions: Record<string, Array<{ value: string; label: string }>> = {
    status: statusOptions(statuses, row.value.value),
    category: STATUS_CATEGORIES.map((value) => ({ value, label: CATEGORY_LABELS[value] })),
    priority: TICKET_PRIORITIES.map((value) => ({ value, label: PRIORITY_LABELS[value] })),
    channel: TICKET_CHANNELS.map((value) => ({ value, label: value[0]!.toUpperCase() + value.slice(1) })),
    member: assignees.map((member) => ({ value: String(member.id), label: member.name })),
  };
  return (
    <div className="grid gap-3 sm:grid-cols-3">
      <SelectField
        field={row.field}
        label={`${label}: what`}
        options={[CHOOSE, ...CONDITION_FIELD_NAMES.map((name) => ({ value: name, label: CONDITION_FIELDS[name].label }))]}
      />
      <SelectField
        field={row.operator}
        label={`${label}: how`}
        options={[CHOOSE, ...operators.map((name) => ({ value: name, label: OPERATOR_LABELS[name] }))]}
      />
      {takesValue ? (
        valueOptions[kind] ? (
          <SelectField field={row.value} label={`${label}: value`} options={[CHOOSE, ...valueOptions[kind]]} />
        ) : (
          <TextField field={row.value} label={`${label}: value`} placeholder={kind === "domain" ? "example.com" : kind === "email" ? "name@example.com" : ""} />
        )
      ) : null}
    </div>
  );
}

function ActionRow({ field, index }: { field: Row<ActionFields>; index: number }) {
  const statuses = useTicketStatuses();
  const { assignees, webhooks } = useLoaderData<typeof loader>();
  const row = field.getFieldset();
  const type = row.type.value ?? "";
  const label = `Action ${index + 1}`;
  return (
    <div className="grid gap-3">
      <SelectField field={row.type} label={label} options={[CHOOSE, ...ACTION_TYPE_NAMES.map((name) => ({ value: name, label: ACTION_TYPES[name] }))]} />
      {type === "set_status" ? (
        <SelectField field={row.value} label={`${label}: status`} options={[CHOOSE, ...statusOptions(statuses, row.value.value)]} />
      ) : null}
      {type === "set_priority" ? (
        <SelectField
          field={row.value}
          label={`${label}: priority`}
          options={[CHOOSE, ...TICKET_PRIORITIES.map((value) => ({ value, label: PRIORITY_LABELS[value] }))]}
        />
      ) : null}
      {type === "assign" ? (
        <SelectField
          field={row.value}
          label={`${label}: member`}
          options={[CHOOSE, { value: "nobody", label: "Nobody (unassign)" }, ...assignees.map((member) => ({ value: String(member.id), label: member.name }))]}
        />
      ) : null}
      {type === "add_tags" || type === "remove_tags" ? (
        <TextField field={row.value} label={`${label}: tags`} placeholder="vip, escalated" hint="Separated by commas or spaces." />
      ) : null}
      {type === "email_address" ? <TextField field={row.value} label={`${label}: address`} type="email" placeholder="team-lead@example.com" /> : null}
      {type === "call_webhook" ? (
        <SelectField
          field={row.value}
          label={`${label}: webhook`}
          options={[CHOOSE, ...webhooks.map((webhook) => ({ value: String(webhook.id), label: webhook.label }))]}
        />
      ) : null}
      {type === "email_customer" || type === "email_assignee" || type === "email_address" ? (
        <TextField field={row.subject} label={`${label}: subject`} placeholder="About your request #{{ticket.number}}" />
      ) : null}
      {type === "add_note" || type === "email_customer" || type === "email_assignee" || type === "email_address" ? (
        <TextAreaField field={row.body} label={`${label}: ${type === "add_note" ? "note" : "email text"}`} rows={4} />
      ) : null}
    </div>
  );
}
