import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { RelativeTime } from "~/components/relative-time";
import { Notice, Section } from "~/components/section";
import { WEBHOOK_EVENT_LABELS } from "~/webhooks/webhook-events";
import { listWebhooks } from "~/webhooks/webhooks.server";

export const handle = access("admin");
export const meta: MetaFunction = () => [{ title: "Webhooks · Settings · Conductor" }];

/** What the webhook page reports after it redirects here; fixed texts, so nothing from the URL is shown. */
const NOTICES = { created: "Webhook created.", deleted: "Webhook deleted." } as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const notice = new URL(request.url).searchParams.get("notice");
  return { webhooks: await listWebhooks(context.db), notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null };
}

const STATUS_TEXT = { pending: "Sending", delivered: "Delivered", failed: "Failed" } as const;

export default function Webhooks() {
  const { webhooks, notice } = useLoaderData<typeof loader>();
  return (
    <Section
      title="Webhooks"
      description="Conductor POSTs each event you choose to your endpoint as JSON, signed with the webhook's secret (Standard Webhooks headers), and retries for about ten hours when the endpoint fails."
    >
      <div className="space-y-4">
        {notice ? <Notice>{notice}</Notice> : null}
        <div>
          <Link
            to="/settings/webhooks/new"
            className="inline-flex rounded-lg bg-gradient-primary px-4 py-2 text-sm font-semibold text-white shadow hover:brightness-110"
          >
            New webhook
          </Link>
        </div>
        {webhooks.length === 0 ? (
          <p className="text-sm text-slate-500">No webhooks yet: nothing is sent to other systems.</p>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200" aria-label="Webhooks">
            {webhooks.map((webhook) => (
              <li key={webhook.id} data-testid={`webhook-${webhook.id}`} className="space-y-1 p-4 text-sm">
                <p className="flex flex-wrap items-center gap-2">
                  <Link to={`/settings/webhooks/${webhook.id}`} className="break-all font-semibold text-slate-900 underline-offset-2 hover:underline">
                    {webhook.url}
                  </Link>
                  <span
                    className={`rounded-full px-2 py-0.5 text-xs font-semibold ${webhook.active ? "bg-emerald-100 text-emerald-800" : "bg-slate-200 text-slate-700"}`}
                  >
                    {webhook.active ? "On" : "Off"}
                  </span>
                </p>
                {webhook.description ? <p className="text-slate-700">{webhook.description}</p> : null}
                <p className="text-slate-600">{webhook.events.map((event) => WEBHOOK_EVENT_LABELS[event] ?? event).join(" · ")}</p>
                {webhook.disabledReason ? <p className="text-rose-700">Switched off by Conductor: {webhook.disabledReason}</p> : null}
                <p className="text-slate-500">
                  {webhook.lastDelivery ? (
                    <>
                      Last delivery: {STATUS_TEXT[webhook.lastDelivery.status]}
                      {webhook.lastDelivery.responseStatus ? ` (${webhook.lastDelivery.responseStatus})` : ""},{" "}
                      <RelativeTime date={webhook.lastDelivery.createdAt} />
                    </>
                  ) : (
                    "No deliveries yet."
                  )}
                </p>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Section>
  );
}
