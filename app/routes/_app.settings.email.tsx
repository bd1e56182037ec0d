import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FormErrors } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { listFailedInboundEmails, retryInboundEmail } from "~/inbound/inbound-addresses.server";
import { workspaceInboundAddress } from "~/inbound/inbound-routing.server";

export const handle = access("admin");

const retrySchema = z.object({ intent: z.literal("retry"), inboundEmailId: z.coerce.number().int().positive() });

export async function loader({ context }: LoaderFunctionArgs) {
  const { domain } = context.services.inbound;
  return {
    inboundAddress: domain ? workspaceInboundAddress(context.tenant.slug, domain) : null,
    failed: await listFailedInboundEmails(context.db),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = requireUser(context);
  const parsed = retrySchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ error: "That request was not valid." }, { status: 400 });
  const retried = await retryInboundEmail(context.db, actor, parsed.data.inboundEmailId);
  if (!retried) return data({ error: "That email is no longer waiting for a retry." }, { status: 409 });
  return { notice: "The email was queued for processing again." };
}

type ActionData = { notice?: string; error?: string };

export default function EmailSettings() {
  const { inboundAddress, failed } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  return (
    <div className="space-y-6">
      {actionData?.error ? <FormErrors id="email-error" errors={[actionData.error]} /> : null}
      {actionData?.notice ? <Notice>{actionData.notice}</Notice> : null}

      <Section title="Inbound address" description="Email sent to this address becomes a ticket. Forward your own support address to it.">
        {inboundAddress ? (
          <code data-testid="inbound-address" className="rounded bg-slate-100 px-2 py-1 font-mono text-slate-900">
            {inboundAddress}
          </code>
        ) : (
          <p className="text-sm text-slate-600">Inbound email is not set up on this server (INBOUND_DOMAIN is not configured).</p>
        )}
      </Section>

      <Section title="Emails that could not be processed" description="They are kept as received. Retry one after the cause is fixed.">
        {failed.length === 0 ? (
          <p className="text-sm text-slate-600">None.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase tracking-wide text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-4">From</th>
                  <th scope="col" className="py-2 pr-4">Subject</th>
                  <th scope="col" className="py-2 pr-4">Reason</th>
                  <th scope="col" className="py-2 pr-4">Received</th>
                  <th scope="col" className="py-2"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {failed.map((email) => (
                  <tr key={email.id} data-testid={`failed-email-${email.id}`}>
                    <td className="py-3 pr-4 text-slate-900">{email.from ?? "(unknown)"}</td>
                    <td className="py-3 pr-4 text-slate-900">{email.subject ?? "(no subject)"}</td>
                    <td className="py-3 pr-4 text-slate-600">{email.reason ?? "(no reason recorded)"}</td>
                    <td className="py-3 pr-4 text-slate-600">
                      <time dateTime={new Date(email.receivedAt).toISOString()}>{new Date(email.receivedAt).toISOString().replace("T", " ").slice(0, 16)} UTC</time>
                    </td>
                    <td className="py-3">
                      <Form method="post">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="retry" />
                        <input type="hidden" name="inboundEmailId" value={email.id} />
                        <Button variant="secondary">Retry</Button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </div>
  );
}
