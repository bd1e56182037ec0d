import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type AppLoadContext, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { CheckboxGroup } from "~/components/checkbox-group";
import { Button, Checkbox, CsrfInput, FormErrors, TextField } from "~/components/form-fields";
import { RelativeTime } from "~/components/relative-time";
import { Notice, Section } from "~/components/section";
import { onAppError, replyOnAppError } from "~/http/route-errors.server";
import { routeParam, rowIdParam } from "~/http/route-params.server";
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENTS } from "~/webhooks/webhook-events";
import { webhookSchema } from "~/webhooks/webhook-schema";
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  redeliver,
  revealWebhookSecret,
  rotateWebhookSecret,
  sendTestDelivery,
  updateWebhook,
} from "~/webhooks/webhooks.server";

export const handle = access("admin");
export const meta: MetaFunction<typeof loader> = ({ data: loaded }) => [{ title: `${loaded?.webhook ? "Webhook" : "New webhook"} · Settings · Conductor` }];

/** Null for the new-webhook form. */
function webhookIdFrom(param: string | undefined): number | null {
  return param === "new" ? null : routeParam(rowIdParam, param, () => notFound("That webhook"));
}

const deps = (context: AppLoadContext) => ({ sessionSecret: context.services.auth.sessionSecret, outbound: context.services.outbound });

export async function loader({ params, context }: LoaderFunctionArgs) {
  const id = webhookIdFrom(params.id);
  if (id === null) return { webhook: null, deliveries: [] };
  const [webhook, deliveries] = await Promise.all([getWebhook(context.db, id), listDeliveries(context.db, id)]);
  return { webhook, deliveries };
}

type ActionData = { result?: SubmissionResult<string[]>; notice?: string; error?: string; secret?: string };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const actor = agentActor(requireUser(context));
  const id = webhookIdFrom(params.id);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "save");

  if (intent === "save") {
    const submission = parseWithZod(form, { schema: webhookSchema });
    if (submission.status !== "success") return data<ActionData>({ result: submission.reply() }, { status: 400 });
    const input = submission.value;
    return replyOnAppError(
      submission,
      async () => {
        if (id === null) return redirect(`/settings/webhooks/${await createWebhook(context.db, actor, deps(context), input)}?notice=created`);
        await updateWebhook(context.db, actor, deps(context), id, input);
        return { result: submission.reply(), notice: "Webhook saved." } satisfies ActionData;
      },
      { body: (result): ActionData => ({ result }) },
    );
  }
  if (id === null) throw notFound("That webhook");
  if (!["reveal", "rotate", "test", "redeliver", "delete"].includes(intent)) return data<ActionData>({ error: "Unknown action." }, { status: 400 });
  return onAppError(
    async (): Promise<ActionData | Response> => {
      switch (intent) {
        case "reveal":
          return { secret: await revealWebhookSecret(context.db, context.services.auth.sessionSecret, id) };
        case "rotate":
          await rotateWebhookSecret(context.db, actor, deps(context), id);
          return {
            notice: "A new secret is in use; the old one no longer verifies.",
            secret: await revealWebhookSecret(context.db, context.services.auth.sessionSecret, id),
          };
        case "test":
          await sendTestDelivery(context.db, actor, id);
          return { notice: "Test event queued: it appears in the log below once sent." };
        case "redeliver": {
          const deliveryId = routeParam(rowIdParam, String(form.get("deliveryId") ?? ""), () => notFound("That delivery"));
          await redeliver(context.db, actor, id, deliveryId);
          return { notice: "Delivery queued again." };
        }
        default:
          await deleteWebhook(context.db, actor, id);
          return redirect("/settings/webhooks?notice=deleted");
      }
    },
    (error): ActionData => ({ error: error.message }),
  );
}

const STATUS_STYLES = { pending: "bg-sky-100 text-sky-800", delivered: "bg-emerald-100 text-emerald-800", failed: "bg-rose-100 text-rose-800" } as const;

export default function WebhookPage() {
  const { webhook, deliveries } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    defaultValue: webhook
      ? { url: webhook.url, description: webhook.description, events: webhook.events, active: webhook.active ? "on" : undefined }
      : { events: ["ticket.created", "ticket.updated", "message.created"], active: "on" },
    constraint: getZodConstraint(webhookSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: webhookSchema }),
  });
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to="/settings/webhooks" className="font-medium text-brand-700 underline-offset-2 hover:underline">
          ← All webhooks
        </Link>
      </p>
      {actionData?.notice ? <Notice>{actionData.notice}</Notice> : null}
      {actionData?.error ? <FormErrors id="webhook-error" errors={[actionData.error]} /> : null}
      <Section
        title={webhook ? "Webhook" : "New webhook"}
        description="Events go to this endpoint as JSON POST requests. Only public https addresses are reached."
      >
        {webhook?.disabledReason ? (
          <p className="mb-4 rounded-lg bg-rose-50 p-3 text-sm text-rose-800">Switched off by Conductor: {webhook.disabledReason}</p>
        ) : null}
        <Form method="post" {...getFormProps(form)} className="grid grid-cols-1 gap-5">
          <CsrfInput />
          <input type="hidden" name="intent" value="save" />
          <FormErrors id={form.errorId} errors={form.errors} />
          <TextField field={fields.url} label="Endpoint URL" type="url" placeholder="https://crm.example.com/hooks/conductor" />
          <TextField field={fields.description} label="Description" placeholder="Sync tickets to the CRM" />
          <CheckboxGroup
            field={fields.events}
            legend="Events"
            options={WEBHOOK_EVENTS.map((event) => ({ value: event, label: `${WEBHOOK_EVENT_LABELS[event]} (${event})` }))}
          />
          <Checkbox field={fields.active} label="On (events are sent)" />
          <div>
            <Button>{webhook ? "Save webhook" : "Create webhook"}</Button>
          </div>
        </Form>
      </Section>
      {webhook ? (
        <>
          <Section
            title="Signing secret"
            description="Your endpoint verifies each request's webhook-signature header with this secret (HMAC-SHA256 over webhook-id, webhook-timestamp and the body)."
          >
            <div className="flex flex-wrap items-center gap-3">
              {actionData?.secret ? (
                <code data-testid="webhook-secret" className="break-all rounded-lg bg-slate-100 px-3 py-2 font-mono text-sm text-slate-900">
                  {actionData.secret}
                </code>
              ) : (
                <IntentButton intent="reveal" label="Show secret" />
              )}
              <IntentButton intent="rotate" label="Make a new secret" />
            </div>
          </Section>
          <Section
            title="Deliveries"
            description="The latest 50. A failed attempt is retried with growing pauses; Redeliver sends one again with the same webhook-id."
          >
            <div className="mb-4 flex flex-wrap gap-3">
              <IntentButton intent="test" label="Send a test event" />
            </div>
            {deliveries.length === 0 ? (
              <p className="text-sm text-slate-500">Nothing sent yet.</p>
            ) : (
              <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200" aria-label="Deliveries, newest first">
                {deliveries.map((delivery) => (
                  <li key={delivery.id} data-testid="delivery" className="space-y-2 p-3 text-sm">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${STATUS_STYLES[delivery.status]}`}>{delivery.status}</span>
                      <span className="font-mono text-slate-900">{delivery.event}</span>
                      <span className="text-slate-500">
                        <RelativeTime date={delivery.createdAt} />
                        {delivery.attempts ? ` · ${delivery.attempts} attempt${delivery.attempts === 1 ? "" : "s"}` : ""}
                        {delivery.responseStatus ? ` · answered ${delivery.responseStatus}` : ""}
                        {delivery.durationMs !== null ? ` in ${delivery.durationMs} ms` : ""}
                      </span>
                      {delivery.status !== "pending" ? (
                        <Form method="post" className="ml-auto">
                          <CsrfInput />
                          <input type="hidden" name="deliveryId" value={delivery.id} />
                          <Button
                            variant="secondary"
                            name="intent"
                            value="redeliver"
                            className="px-3 py-1"
                            aria-label={`Redeliver ${delivery.event} #${delivery.id}`}
                          >
                            Redeliver
                          </Button>
                        </Form>
                      ) : null}
                    </div>
                    {delivery.lastError ? <p className="text-rose-700">{delivery.lastError}</p> : null}
                    <details>
                      <summary className="cursor-pointer text-slate-600">Request and response</summary>
                      <p className="mt-2 text-xs text-slate-500">webhook-id {delivery.messageId}</p>
                      <pre className="mt-1 max-h-64 overflow-auto rounded-lg bg-slate-50 p-2 font-mono text-xs text-slate-900">
                        {JSON.stringify(delivery.payload, null, 2)}
                      </pre>
                      {delivery.responseExcerpt ? (
                        <pre className="mt-2 max-h-40 overflow-auto whitespace-pre-wrap break-all rounded-lg bg-slate-50 p-2 font-mono text-xs text-slate-700">
                          {delivery.responseExcerpt}
                        </pre>
                      ) : null}
                    </details>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section title="Delete">
            <details className="text-sm">
              <summary className="cursor-pointer font-semibold text-rose-700">Delete this webhook</summary>
              <p className="my-2 text-slate-700">Its delivery log goes with it; pending deliveries are not sent.</p>
              <IntentButton intent="delete" label="Delete webhook" danger />
            </details>
          </Section>
        </>
      ) : null}
    </div>
  );
}

function IntentButton({ intent, label, danger = false }: { intent: string; label: string; danger?: boolean }) {
  return (
    <Form method="post">
      <CsrfInput />
      <Button variant={danger ? "danger" : "secondary"} name="intent" value={intent} className="px-3 py-1">
        {label}
      </Button>
    </Form>
  );
}
