import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FormErrors, TextField } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import {
  addInboundAddress,
  InboundAddressError,
  inboundAddressSchema,
  listFailedInboundEmails,
  listInboundAddresses,
  removeInboundAddress,
  retryInboundEmail,
} from "~/inbound/inbound-addresses.server";
import { workspaceInboundAddress } from "~/inbound/inbound-routing.server";

export const handle = access("admin");

const retrySchema = z.object({ intent: z.literal("retry"), inboundEmailId: z.coerce.number().int().positive() });
const removeSchema = z.object({ intent: z.literal("remove-address"), address: z.string().max(254) });

export async function loader({ context }: LoaderFunctionArgs) {
  const { domain } = context.services.inbound;
  return {
    inboundAddress: domain ? workspaceInboundAddress(context.tenant.slug, domain) : null,
    extraAddresses: await listInboundAddresses(context.services.control, context.db),
    failed: await listFailedInboundEmails(context.db),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = requireUser(context);
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "add-address") {
    const submission = parseWithZod(form, { schema: inboundAddressSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply() }, { status: 400 });
    try {
      await addInboundAddress(context.services.control, context.db, actor, submission.value.address, context.services.inbound.domain, context.services.inbound.reservedDomains);
    } catch (error) {
      if (error instanceof InboundAddressError) return data({ intent, result: submission.reply({ fieldErrors: { address: [error.message] } }) }, { status: 409 });
      throw error;
    }
    return { intent, result: submission.reply({ resetForm: true }), notice: `Mail to ${submission.value.address} now becomes tickets here. Forward that mailbox to your inbound address.` };
  }
  if (intent === "remove-address") {
    const parsed = removeSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success || !(await removeInboundAddress(context.services.control, context.db, actor, parsed.data.address))) {
      return data({ intent, error: "That address is not one of this workspace's." }, { status: 404 });
    }
    return { intent, notice: `${parsed.data.address} removed.` };
  }
  const parsed = retrySchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return data({ intent, error: "That request was not valid." }, { status: 400 });
  const retried = await retryInboundEmail(context.db, actor, parsed.data.inboundEmailId);
  if (!retried) return data({ intent, error: "That email is no longer waiting for a retry." }, { status: 409 });
  return { intent, notice: "The email was queued for processing again." };
}

type ActionData = { intent?: unknown; notice?: string; error?: string; result?: SubmissionResult<string[]> };

export default function EmailSettings() {
  const { inboundAddress, extraAddresses, failed } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const [addForm, addFields] = useForm({
    id: "add-address",
    lastResult: actionData?.intent === "add-address" ? actionData.result : undefined,
    constraint: getZodConstraint(inboundAddressSchema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: inboundAddressSchema }),
  });
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

      <Section title="Your support addresses" description="Addresses at your own domain (e.g. help@yourcompany.com) whose mail should become tickets here. Point their MX or forwarding at this server.">
        {extraAddresses.length ? (
          <ul className="mb-4 divide-y divide-slate-100">
            {extraAddresses.map((address) => (
              <li key={address} className="flex items-center justify-between py-2" data-testid="extra-address">
                <code className="font-mono text-sm text-slate-900">{address}</code>
                <Form method="post">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="remove-address" />
                  <input type="hidden" name="address" value={address} />
                  <Button variant="danger" className="px-2 py-1" aria-label={`Remove ${address}`}>
                    Remove
                  </Button>
                </Form>
              </li>
            ))}
          </ul>
        ) : (
          <p className="mb-4 text-sm text-slate-600">None yet.</p>
        )}
        <Form method="post" {...getFormProps(addForm)} className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end">
          <CsrfInput />
          <input type="hidden" name="intent" value="add-address" />
          <TextField field={addFields.address} label="Address" type="email" placeholder="help@yourcompany.com" />
          <Button>Add address</Button>
        </Form>
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
