import { getFormProps, getInputProps, useForm, type FieldMetadata, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import type * as z from "zod";
import { TICKET_CHANNELS } from "../../db/tenant-enums";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { CheckboxGroup } from "~/components/checkbox-group";
import { Button, Checkbox, CsrfInput, FieldErrors, FormErrors, SelectField, TextField } from "~/components/form-fields";
import { Section } from "~/components/section";
import { replyOnAppError } from "~/http/route-errors.server";
import { getPortalSettings } from "~/portal/portal-settings.server";
import { routeParam, rowIdParam } from "~/http/route-params.server";
import { createSlaPolicy, deleteSlaPolicy, getSlaPolicy, listScheduleChoices, updateSlaPolicy } from "~/service-levels/sla-policies.server";
import {
  CALENDAR_CLOCK,
  DEFAULT_PAUSED_STATUSES,
  DEFAULT_WARNING_MINUTES,
  formatDuration,
  PAUSABLE_CATEGORIES,
  SLA_METRICS,
  slaPolicySchema,
  type SlaMetricName,
} from "~/service-levels/sla-policy-schema";
import { PRIORITIES_BY_URGENCY } from "~/service-levels/sla-policy-summary";
import { CATEGORY_LABELS } from "~/ticket-statuses/ticket-status-catalog";
import { listTicketStatuses } from "~/ticket-statuses/ticket-statuses.server";
import { CHANNEL_LABELS, PRIORITY_LABELS } from "~/tickets/ticket-labels";

/** `/settings/sla/new` creates a policy; `/settings/sla/<id>` edits or deletes one. */
export const handle = access("admin");
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.policy ? `${data.policy.name} · Service levels · Conductor` : "New SLA policy · Conductor" },
];

const METRIC_LABELS: Record<SlaMetricName, string> = { firstReply: "First reply", nextReply: "Next reply", resolution: "Resolution" };

/** Null for the new-policy form. */
function policyIdFrom(param: string | undefined): number | null {
  return param === "new" ? null : routeParam(rowIdParam, param, () => notFound("That SLA policy"));
}

export async function loader({ params, context }: LoaderFunctionArgs) {
  const id = policyIdFrom(params.id);
  const [policy, schedules, portal, statuses] = await Promise.all([
    id === null ? null : getSlaPolicy(context.db, id),
    listScheduleChoices(context.db),
    getPortalSettings(context.db),
    listTicketStatuses(context.db),
  ]);
  // A category the portal no longer offers stays choosable while a policy still names it.
  const categories = [...new Set([...portal.categories, ...(policy?.conditions.categories ?? [])])];
  // Likewise a deactivated status the policy pauses on.
  const pausable = statuses
    .filter((status) => (PAUSABLE_CATEGORIES as readonly string[]).includes(status.category))
    .filter((status) => status.active || policy?.pausedStatuses.includes(status.key))
    .map((status) => ({
      value: status.key,
      label: status.agentLabel === CATEGORY_LABELS[status.category] ? status.agentLabel : `${status.agentLabel} (${CATEGORY_LABELS[status.category]})`,
    }));
  return { policy, schedules, categories, pausable };
}

type ActionData = { result: SubmissionResult<string[]> };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const actor = agentActor(requireUser(context));
  const id = policyIdFrom(params.id);
  const form = await request.formData();
  if (form.get("intent") === "delete") {
    if (id === null) throw notFound("That SLA policy");
    await deleteSlaPolicy(context.db, actor, id);
    return redirect("/settings/sla?notice=deleted");
  }
  const submission = parseWithZod(form, { schema: slaPolicySchema });
  if (submission.status !== "success") return data<ActionData>({ result: submission.reply() }, { status: 400 });
  const policy = submission.value;
  return replyOnAppError(
    submission,
    async () => {
      if (id === null) {
        await createSlaPolicy(context.db, actor, policy);
        return redirect("/settings/sla?notice=created");
      }
      await updateSlaPolicy(context.db, actor, id, policy);
      return redirect("/settings/sla?notice=saved");
    },
    { body: (result): ActionData => ({ result }) },
  );
}

export default function SlaPolicyPage() {
  const { policy, schedules, categories, pausable } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const defaultSchedule = schedules.find((schedule) => schedule.isDefault);
  const [form, fields] = useForm<z.input<typeof slaPolicySchema>, z.output<typeof slaPolicySchema>>({
    id: policy ? `sla-policy-${policy.id}` : "sla-policy-new",
    lastResult: actionData?.result,
    defaultValue: policy
      ? {
          name: policy.name,
          active: policy.active ? "on" : undefined,
          conditions: {
            priorities: [...(policy.conditions.priorities ?? [])],
            channels: [...(policy.conditions.channels ?? [])],
            tags: (policy.conditions.tags ?? []).join(", "),
            customerDomains: (policy.conditions.customerDomains ?? []).join(", "),
            categories: [...(policy.conditions.categories ?? [])],
          },
          targets: Object.fromEntries(
            Object.entries(policy.targets).map(([priority, metrics]) => [
              priority,
              Object.fromEntries(Object.entries(metrics).map(([metric, minutes]) => [metric, formatDuration(minutes)])),
            ]),
          ),
          scheduleId: policy.scheduleId === null ? CALENDAR_CLOCK : String(policy.scheduleId),
          pausedStatuses: policy.pausedStatuses,
          warnBeforeMinutes: policy.warnBeforeMinutes ? formatDuration(policy.warnBeforeMinutes) : "0",
        }
      : {
          active: "on",
          scheduleId: defaultSchedule ? String(defaultSchedule.id) : CALENDAR_CLOCK,
          pausedStatuses: DEFAULT_PAUSED_STATUSES,
          warnBeforeMinutes: formatDuration(DEFAULT_WARNING_MINUTES),
        },
    constraint: getZodConstraint(slaPolicySchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: slaPolicySchema }),
  });
  const conditions = fields.conditions.getFieldset();
  const targets = fields.targets.getFieldset();
  const clockOptions = [
    ...schedules.map((schedule) => ({ value: String(schedule.id), label: `Business hours: ${schedule.name}${schedule.isDefault ? " (default)" : ""}` })),
    { value: CALENDAR_CLOCK, label: "Calendar hours (around the clock)" },
  ];
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to="/settings/sla" className="font-medium text-brand-700 underline-offset-2 hover:underline">
          ← All service level policies
        </Link>
      </p>
      <Section
        title={policy ? `Edit “${policy.name}”` : "New SLA policy"}
        description="Policies are tried from the top of the list: the first active policy whose conditions all match a ticket applies to it."
      >
        <Form method="post" {...getFormProps(form)} className="grid grid-cols-1 gap-6">
          <CsrfInput />
          <FormErrors id={form.errorId} errors={form.errors} />
          <TextField field={fields.name} label="Name" placeholder="Enterprise customers" />
          <Checkbox field={fields.active} label="Active (inactive policies are skipped)" />

          <fieldset className="min-w-0 space-y-4 rounded-xl border border-slate-200 p-4">
            <legend className="px-1 text-sm font-semibold text-slate-900">Conditions</legend>
            <p className="text-xs text-slate-500">
              A ticket matches when it has one of the chosen values for every condition you fill in; leave a condition empty to match any value.
            </p>
            <CheckboxGroup
              field={conditions.priorities}
              legend="Priority"
              options={PRIORITIES_BY_URGENCY.map((priority) => ({ value: priority, label: PRIORITY_LABELS[priority] }))}
            />
            <CheckboxGroup
              field={conditions.channels}
              legend="Channel"
              options={TICKET_CHANNELS.map((channel) => ({ value: channel, label: CHANNEL_LABELS[channel] }))}
            />
            <TextField
              field={conditions.tags}
              label="Tags"
              placeholder="vip, enterprise"
              hint="Separated by commas; a ticket with any of these tags matches."
            />
            <TextField
              field={conditions.customerDomains}
              label="Customer email domains"
              placeholder="example.com, example.org"
              hint="The part after @ of the customer's address, exactly (a subdomain is another domain)."
            />
            {categories.length ? (
              <CheckboxGroup
                field={conditions.categories}
                legend="Portal request category"
                options={categories.map((category) => ({ value: category, label: category }))}
              />
            ) : (
              <p className="text-xs text-slate-500">
                The portal offers no request categories;{" "}
                <Link to="/settings/portal" className="font-medium text-brand-700 underline">
                  add some
                </Link>{" "}
                to use them here.
              </p>
            )}
          </fieldset>

          <fieldset className="min-w-0 space-y-3 rounded-xl border border-slate-200 p-4">
            <legend className="px-1 text-sm font-semibold text-slate-900">Targets</legend>
            <p id="sla-targets-hint" className="text-xs text-slate-500">
              Per priority, in minutes (90) or as hours and minutes (90m, 2h, 1h 30m; 1d is 24 hours of the clock below). Leave a target empty for none; set at
              least one.
            </p>
            <FieldErrors id={fields.targets.errorId} errors={fields.targets.errors} />
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th scope="col" className="py-2 pr-3">
                      Priority
                    </th>
                    {SLA_METRICS.map((metric) => (
                      <th key={metric} scope="col" className="w-1/4 py-2 pr-3">
                        {METRIC_LABELS[metric]}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {PRIORITIES_BY_URGENCY.map((priority) => {
                    const metrics = targets[priority].getFieldset();
                    return (
                      <tr key={priority}>
                        <th scope="row" className="py-2 pr-3 font-medium text-slate-700">
                          {PRIORITY_LABELS[priority]}
                        </th>
                        {SLA_METRICS.map((metric) => (
                          <td key={metric} className="py-2 pr-3 align-top">
                            <TargetInput field={metrics[metric]} label={`${PRIORITY_LABELS[priority]}: ${METRIC_LABELS[metric]}`} />
                          </td>
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </fieldset>

          <div className="grid gap-6 sm:grid-cols-2">
            <div className="space-y-1.5">
              <SelectField field={fields.scheduleId} label="Measured in" options={clockOptions} />
              <p className="text-xs text-slate-500">
                {schedules.length ? "Business hours stop the clock outside opening times and on holidays." : "No business hours defined yet."}{" "}
                <Link to="/settings/business-hours" className="font-medium text-brand-700 underline">
                  Business hours
                </Link>
              </p>
            </div>
            <CheckboxGroup
              field={fields.pausedStatuses}
              legend="Pause the resolution clock while the ticket is"
              hint="Solved and closed always stop every clock; reply clocks never pause."
              options={pausable}
            />
          </div>

          <div className="max-w-sm">
            <TextField
              field={fields.warnBeforeMinutes}
              label="Warn the assignee before a target falls due"
              placeholder="30m"
              hint="By email and in the ticket's history; 0 sends no warning. Breaches are always reported."
            />
          </div>

          <div>
            <Button>{policy ? "Save policy" : "Create policy"}</Button>
          </div>
        </Form>
      </Section>
      {policy ? (
        <Section title="Delete this policy" description="Tickets it applies to fall through to the next matching policy.">
          <Form method="post">
            <CsrfInput />
            <Button variant="danger" name="intent" value="delete">
              Delete “{policy.name}”
            </Button>
          </Form>
        </Section>
      ) : null}
    </div>
  );
}

function TargetInput({ field, label }: { field: FieldMetadata<string | undefined>; label: string }) {
  const invalid = Boolean(field.errors?.length);
  const { key, ...props } = getInputProps(field, { type: "text", ariaDescribedBy: "sla-targets-hint" });
  return (
    <div className="space-y-1">
      <label htmlFor={field.id} className="sr-only">
        {label}
      </label>
      <input
        key={key}
        {...props}
        inputMode="text"
        placeholder="—"
        className={`block w-24 rounded-lg border bg-white px-2 py-1.5 text-slate-900 shadow-sm outline-none focus:ring-2 ${invalid ? "border-rose-400 focus:ring-rose-200" : "border-slate-300 focus:border-brand-500 focus:ring-brand-500/30"}`}
      />
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}
