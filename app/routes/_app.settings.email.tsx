import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { rowIdParam } from "~/route-params";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FormErrors, TextField } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import {
  addInboundAddress,
  CONFIRMATION_TTL_HOURS,
  listFailedInboundEmails,
  listInboundAddresses,
  removeInboundAddress,
  resendConfirmation,
  retryInboundEmail,
  verifyByReturnedConfirmation,
} from "~/inbound/inbound-addresses.server";
import { AppError } from "~/app-error";
import { onAppError, replyOnAppError } from "~/http/route-errors.server";
import { workspaceInboundAddress } from "~/inbound/inbound-routing.server";
import { inboundAddressSchema } from "~/inbound/inbound-schemas";

export const handle = access("admin");

const retrySchema = z.object({ intent: z.literal("retry"), inboundEmailId: rowIdParam });
const addressActionSchema = z.object({
  intent: z.enum(["remove-address", "resend-confirmation", "confirm-returned"]),
  address: z.string().trim().min(1).max(254),
});

export async function loader({ context }: LoaderFunctionArgs) {
  const { domain } = context.services.inbound;
  return {
    inboundAddress: domain ? workspaceInboundAddress(context.tenant.slug, domain) : null,
    extraAddresses: await listInboundAddresses(context.services.control, context.db),
    failed: await listFailedInboundEmails(context.db),
  };
}

const ADDRESS_NOTICES = {
  "remove-address": (address: string) => `${address} removed.`,
  "resend-confirmation": (address: string) => `A new confirmation link was emailed to ${address}; earlier links no longer work.`,
  "confirm-returned": (address: string) => `${address} is confirmed: its mail now becomes tickets here.`,
};

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = requireUser(context);
  const { control, inbound } = context.services;
  const form = await request.formData();
  const intent = form.get("intent");
  const origin = new URL(request.url).origin;
  if (intent === "add-address") {
    const submission = parseWithZod(form, { schema: inboundAddressSchema });
    if (submission.status !== "success") return data({ intent, result: submission.reply() }, { status: 400 });
    const { address } = submission.value;
    const notice = `A confirmation link was emailed to ${address}. Its mail becomes tickets here once an admin of this workspace opens that link (it expires in ${CONFIRMATION_TTL_HOURS} hours); until then it is refused.`;
    return replyOnAppError(
      submission,
      async () => {
        await addInboundAddress(control, context.db, actor, address, { inbound, origin });
        return { intent, result: submission.reply({ resetForm: true }), notice };
      },
      { body: (result) => ({ intent, result }) },
    );
  }
  if (intent === "retry") {
    const parsed = retrySchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) return data({ intent, error: "That request was not valid." }, { status: 400 });
    if (!(await retryInboundEmail(context.db, actor, parsed.data.inboundEmailId)))
      return data({ intent, error: "That email is no longer waiting for a retry." }, { status: 409 });
    return { intent, notice: "The email was queued for processing again." };
  }
  const parsed = addressActionSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return data({ intent, error: "That request was not valid." }, { status: 400 });
  const { intent: change, address } = parsed.data;
  return onAppError(
    async () => {
      if (change === "remove-address" && !(await removeInboundAddress(control, context.db, actor, address)))
        throw new AppError("not_found", "That address is not one of this workspace's.");
      if (change === "resend-confirmation") await resendConfirmation(control, context.db, actor, address, origin);
      if (change === "confirm-returned") await verifyByReturnedConfirmation(control, context.db, actor, address);
      return { intent, notice: ADDRESS_NOTICES[change](address) };
    },
    (error) => ({ intent, address, error: error.message }),
  );
}

type ActionData = { intent?: unknown; address?: string; notice?: string; error?: string; result?: SubmissionResult<string[]> };

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
      {/* An address's own error shows next to it (below); the rest here. */}
      {actionData?.error && !extraAddresses.some((claim) => claim.address === actionData.address) ? (
        <FormErrors id="email-error" errors={[actionData.error]} />
      ) : null}
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

      <Section
        title="Your support addresses"
        description="Addresses at your own domain (e.g. help@yourcompany.com) whose mail should become tickets here. Forward the address to this workspace's inbound address, then add it: Conductor emails it a confirmation link, and its mail is accepted only once an admin of this workspace has opened that link."
      >
        {extraAddresses.length ? (
          <ul className="mb-4 divide-y divide-slate-100">
            {extraAddresses.map((claim) => {
              const rowError = actionData?.address === claim.address ? actionData.error : undefined;
              const errorId = `address-error-${claim.address}`;
              return (
                <li key={claim.address} className="space-y-2 py-3" data-testid="extra-address" data-address={claim.address} data-status={claim.status}>
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <div className="space-y-1">
                      <code className="font-mono text-sm text-slate-900">{claim.address}</code>
                      <AddressState claim={claim} />
                    </div>
                    <div className="flex flex-wrap gap-2">
                      {claim.status === "pending" && claim.confirmationReturned ? (
                        <AddressButton intent="confirm-returned" address={claim.address} label="Confirm now" errorId={rowError ? errorId : undefined} />
                      ) : null}
                      {claim.status === "pending" ? (
                        <AddressButton
                          intent="resend-confirmation"
                          address={claim.address}
                          label="Resend"
                          variant="secondary"
                          errorId={rowError ? errorId : undefined}
                        />
                      ) : null}
                      <AddressButton intent="remove-address" address={claim.address} label="Remove" variant="danger" errorId={rowError ? errorId : undefined} />
                    </div>
                  </div>
                  {rowError ? <FormErrors id={errorId} errors={[rowError]} /> : null}
                </li>
              );
            })}
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
                  <th scope="col" className="py-2 pr-4">
                    From
                  </th>
                  <th scope="col" className="py-2 pr-4">
                    Subject
                  </th>
                  <th scope="col" className="py-2 pr-4">
                    Reason
                  </th>
                  <th scope="col" className="py-2 pr-4">
                    Received
                  </th>
                  <th scope="col" className="py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {failed.map((email) => (
                  <tr key={email.id} data-testid={`failed-email-${email.id}`}>
                    <td className="py-3 pr-4 text-slate-900">{email.from ?? "(unknown)"}</td>
                    <td className="py-3 pr-4 text-slate-900">{email.subject ?? "(no subject)"}</td>
                    <td className="py-3 pr-4 text-slate-600">{email.reason ?? "(no reason recorded)"}</td>
                    <td className="py-3 pr-4 text-slate-600">
                      <time dateTime={new Date(email.receivedAt).toISOString()}>
                        {new Date(email.receivedAt).toISOString().replace("T", " ").slice(0, 16)} UTC
                      </time>
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

type Claim = ReturnType<typeof useLoaderData<typeof loader>>["extraAddresses"][number];

const utc = (date: string | Date) => `${new Date(date).toISOString().replace("T", " ").slice(0, 16)} UTC`;

function AddressState({ claim }: { claim: Claim }) {
  if (claim.status === "verified") {
    return (
      <p className="text-xs font-medium text-emerald-700">
        Verified
        {claim.verifiedAt ? (
          <>
            {" "}
            on <time dateTime={new Date(claim.verifiedAt).toISOString()}>{utc(claim.verifiedAt)}</time>
          </>
        ) : null}
        : its mail becomes tickets here.
      </p>
    );
  }
  if (claim.status === "taken")
    return <p className="text-xs font-medium text-rose-700">Taken: another workspace confirmed this address first, so its mail goes there.</p>;
  return (
    <p className="text-xs text-amber-800">
      <span className="font-medium">Pending</span>
      {claim.confirmationSentAt ? (
        <>
          : confirmation emailed <time dateTime={new Date(claim.confirmationSentAt).toISOString()}>{utc(claim.confirmationSentAt)}</time>
        </>
      ) : null}
      {claim.tokenExpiresAt ? (
        <>
          , link expires <time dateTime={new Date(claim.tokenExpiresAt).toISOString()}>{utc(claim.tokenExpiresAt)}</time>
        </>
      ) : null}
      {claim.confirmationReturned
        ? ". The confirmation email reached this workspace, so the forwarding works."
        : ". Mail to it is refused until it is confirmed."}
    </p>
  );
}

function AddressButton({
  intent,
  address,
  label,
  variant = "primary",
  errorId,
}: {
  intent: string;
  address: string;
  label: string;
  variant?: "primary" | "secondary" | "danger";
  errorId?: string;
}) {
  return (
    <Form method="post">
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="address" value={address} />
      <Button variant={variant} className="px-2 py-1" aria-label={`${label} ${address}`} aria-describedby={errorId}>
        {label}
      </Button>
    </Form>
  );
}
