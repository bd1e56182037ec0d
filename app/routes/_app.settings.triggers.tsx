import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FormErrors } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { onAppError } from "~/http/route-errors.server";
import { routeParam, rowIdParam } from "~/http/route-params.server";
import { TRIGGER_EVENT_LABELS } from "~/triggers/trigger-schema";
import { deleteTrigger, listTriggers, moveTrigger, setTriggerActive } from "~/triggers/triggers.server";

/** The workspace's triggers in the order they run: move, switch on and off, delete. The form is /settings/triggers/<id|new>. */

export const handle = access("admin");
export const meta: MetaFunction = () => [{ title: "Triggers · Settings · Conductor" }];

/** What the trigger page reports after it redirects here; fixed texts, so nothing from the URL is shown. */
const NOTICES = { created: "Trigger created.", saved: "Trigger saved." } as const;
const FORM_FIELDS = new Set(["csrf", "intent", "triggerId"]);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const notice = new URL(request.url).searchParams.get("notice");
  const triggers = await listTriggers(context.db);
  return {
    triggers: triggers.map((trigger) => ({
      id: trigger.id,
      name: trigger.name,
      active: trigger.active,
      events: trigger.events,
      conditions: trigger.conditions.length,
      actions: trigger.actions.length,
      match: trigger.match,
    })),
    notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null,
  };
}

type ActionData = { notice?: string; error?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = agentActor(requireUser(context));
  const form = await request.formData();
  const names = [...form.keys()];
  if (names.some((name) => !FORM_FIELDS.has(name)) || new Set(names).size !== names.length) {
    return data<ActionData>({ error: "That form was not valid. Reload the page and try again." }, { status: 400 });
  }
  const intent = String(form.get("intent") ?? "");
  if (!["up", "down", "on", "off", "delete"].includes(intent)) return data<ActionData>({ error: "Unknown action." }, { status: 400 });
  const id = routeParam(rowIdParam, String(form.get("triggerId") ?? ""), () => notFound("That trigger"));
  return onAppError(
    async (): Promise<ActionData> => {
      if (intent === "up" || intent === "down") {
        await moveTrigger(context.db, actor, id, intent);
        return {};
      }
      if (intent === "on" || intent === "off") {
        const trigger = await setTriggerActive(context.db, actor, id, intent === "on");
        return { notice: `“${trigger.name}” is ${trigger.active ? "on" : "off"}.` };
      }
      return { notice: `“${(await deleteTrigger(context.db, actor, id)).name}” deleted.` };
    },
    (error): ActionData => ({ error: error.message }),
  );
}

export default function Triggers() {
  const { triggers, notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  // A confirmation left open closes once any action has navigated.
  const { key: navigation } = useLocation();
  return (
    <Section
      title="Triggers"
      description="Rules that run, top to bottom, when a ticket is created or changed or someone replies: when the conditions hold, the actions apply, in the same save. A trigger's own changes can fire other triggers; each fires at most once per change, and chains stop after five steps. Triggers never email in answer to automated mail."
    >
      <div className="space-y-4">
        {notice && !actionData ? <Notice>{notice}</Notice> : null}
        {actionData?.notice ? <Notice>{actionData.notice}</Notice> : null}
        {actionData?.error ? <FormErrors id="trigger-error" errors={[actionData.error]} /> : null}
        <div>
          <Link
            to="/settings/triggers/new"
            className="inline-flex rounded-lg bg-gradient-primary px-4 py-2 text-sm font-semibold text-white shadow hover:brightness-110"
          >
            New trigger
          </Link>
        </div>
        {triggers.length === 0 ? (
          <p className="text-sm text-slate-500">No triggers yet.</p>
        ) : (
          <ol className="divide-y divide-slate-100 rounded-xl border border-slate-200" aria-label="Triggers, in the order they run">
            {triggers.map((trigger, index) => (
              <li key={trigger.id} data-testid={`trigger-${trigger.id}`} className="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:justify-between">
                <div className="min-w-0 space-y-1 text-sm">
                  <p className="flex flex-wrap items-center gap-2">
                    <span className="text-slate-500">{index + 1}.</span>
                    <Link to={`/settings/triggers/${trigger.id}`} className="font-semibold text-brand-700 hover:underline">
                      {trigger.name}
                    </Link>
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-semibold ${trigger.active ? "bg-emerald-100 text-emerald-800" : "bg-slate-200 text-slate-700"}`}
                    >
                      {trigger.active ? "On" : "Off"}
                    </span>
                  </p>
                  <p className="text-slate-600">
                    {trigger.events.map((event) => TRIGGER_EVENT_LABELS[event]).join(" · ")} —{" "}
                    {trigger.conditions === 0
                      ? "always"
                      : `${trigger.match === "all" ? "all" : "any"} of ${trigger.conditions} condition${trigger.conditions === 1 ? "" : "s"}`}
                    , {trigger.actions} action{trigger.actions === 1 ? "" : "s"}
                  </p>
                </div>
                <div className="flex shrink-0 flex-wrap items-start gap-2">
                  <RowButton id={trigger.id} intent="up" label="Up" name={trigger.name} disabled={index === 0} />
                  <RowButton id={trigger.id} intent="down" label="Down" name={trigger.name} disabled={index === triggers.length - 1} />
                  <RowButton id={trigger.id} intent={trigger.active ? "off" : "on"} label={trigger.active ? "Turn off" : "Turn on"} name={trigger.name} />
                  <details key={navigation} className="w-min">
                    <summary className="cursor-pointer list-none rounded-lg border border-rose-300 bg-white px-3 py-1 text-sm font-semibold text-rose-700 hover:bg-rose-50">
                      Delete<span className="sr-only"> {trigger.name}</span>
                    </summary>
                    <div className="mt-2 w-60 whitespace-normal rounded-xl border border-rose-200 bg-rose-50/40 p-3 text-sm">
                      <p className="mb-3 text-slate-700">Delete “{trigger.name}” for good?</p>
                      <RowButton id={trigger.id} intent="delete" label={`Delete “${trigger.name}”`} danger />
                    </div>
                  </details>
                </div>
              </li>
            ))}
          </ol>
        )}
      </div>
    </Section>
  );
}

function RowButton({
  id,
  intent,
  label,
  name,
  disabled = false,
  danger = false,
}: {
  id: number;
  intent: string;
  label: string;
  name?: string;
  disabled?: boolean;
  danger?: boolean;
}) {
  return (
    <Form method="post">
      <CsrfInput />
      <input type="hidden" name="triggerId" value={id} />
      <Button variant={danger ? "danger" : "secondary"} name="intent" value={intent} className="px-3 py-1" disabled={disabled}>
        {label}
        {name ? <span className="sr-only"> {name}</span> : null}
      </Button>
    </Form>
  );
}
