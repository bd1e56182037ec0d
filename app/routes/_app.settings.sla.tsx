import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FormErrors } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { onAppError } from "~/http/route-errors.server";
import { listSlaPolicies, moveSlaPolicy } from "~/service-levels/sla-policies.server";
import { slaPolicyMoveSchema } from "~/service-levels/sla-policy-schema";
import { clockSummary, conditionsSummary, metricSummary } from "~/service-levels/sla-policy-summary";

export const handle = access("admin");
export const meta: MetaFunction = () => [{ title: "Service levels · Conductor" }];

/** What the policy form reports after it redirects here; fixed texts, so nothing from the URL is shown. */
const NOTICES = { created: "Policy created.", saved: "Policy saved.", deleted: "Policy deleted." } as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const notice = new URL(request.url).searchParams.get("notice");
  return { policies: await listSlaPolicies(context.db), notice: notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice as keyof typeof NOTICES] : null };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = requireUser(context);
  const move = slaPolicyMoveSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!move.success) return data({ error: "That request was not valid." }, { status: 400 });
  return onAppError(
    async () => {
      await moveSlaPolicy(context.db, agentActor(actor), move.data.policyId, move.data.direction);
      return { error: null };
    },
    (error) => ({ error: error.message }),
  );
}

export default function SlaPolicies() {
  const { policies, notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <Section
      title="Service levels"
      description="Promise reply and resolution times. Policies are tried from the top: the first active policy whose conditions match a ticket applies to it."
    >
      <div className="space-y-4">
        {actionData?.error ? <FormErrors id="sla-error" errors={[actionData.error]} /> : null}
        {notice ? <Notice>{notice}</Notice> : null}
        <div>
          <Link
            to="/settings/sla/new"
            className="inline-flex rounded-lg bg-gradient-primary px-4 py-2 text-sm font-semibold text-white shadow hover:brightness-110"
          >
            New policy
          </Link>
        </div>
        {policies.length === 0 ? (
          <p className="text-sm text-slate-500">No policies yet: tickets have no reply or resolution targets.</p>
        ) : (
          <ol className="divide-y divide-slate-100 rounded-xl border border-slate-200" aria-label="SLA policies, in the order they are tried">
            {policies.map((policy, index) => {
              const firstReply = metricSummary(policy.targets, "firstReply");
              const resolution = metricSummary(policy.targets, "resolution");
              return (
                <li key={policy.id} data-testid={`sla-policy-${policy.id}`} className="flex flex-col gap-3 p-4 sm:flex-row sm:items-start">
                  <span className="mt-0.5 w-6 shrink-0 text-sm font-semibold text-slate-400">{index + 1}.</span>
                  <div className="min-w-0 flex-1 space-y-1 text-sm">
                    <p className="flex flex-wrap items-center gap-2">
                      <Link to={`/settings/sla/${policy.id}`} className="font-semibold text-slate-900 underline-offset-2 hover:underline">
                        {policy.name}
                      </Link>
                      <span
                        className={`rounded-full px-2 py-0.5 text-xs font-semibold ${policy.active ? "bg-emerald-100 text-emerald-800" : "bg-slate-200 text-slate-700"}`}
                      >
                        {policy.active ? "Active" : "Inactive"}
                      </span>
                    </p>
                    <p className="text-slate-700">{conditionsSummary(policy.conditions)}</p>
                    <p className="text-slate-500">{clockSummary(policy.scheduleName)}</p>
                    {firstReply ? <p className="text-slate-600">First reply: {firstReply}</p> : null}
                    {resolution ? <p className="text-slate-600">Resolution: {resolution}</p> : null}
                  </div>
                  <div className="flex shrink-0 gap-2">
                    <MoveButton policyId={policy.id} direction="up" name={policy.name} disabled={index === 0} />
                    <MoveButton policyId={policy.id} direction="down" name={policy.name} disabled={index === policies.length - 1} />
                    <Link
                      to={`/settings/sla/${policy.id}`}
                      className="inline-flex items-center rounded-lg border border-slate-300 bg-white px-3 py-1 text-sm font-semibold text-slate-800 hover:bg-slate-50"
                      aria-label={`Edit ${policy.name}`}
                    >
                      Edit
                    </Link>
                  </div>
                </li>
              );
            })}
          </ol>
        )}
      </div>
    </Section>
  );
}

function MoveButton({ policyId, direction, name, disabled }: { policyId: number; direction: "up" | "down"; name: string; disabled: boolean }) {
  return (
    <Form method="post">
      <CsrfInput />
      <input type="hidden" name="policyId" value={policyId} />
      <Button variant="secondary" name="direction" value={direction} disabled={disabled} className="px-3 py-1" aria-label={`Move ${name} ${direction}`}>
        {direction === "up" ? "Up" : "Down"}
      </Button>
    </Form>
  );
}
