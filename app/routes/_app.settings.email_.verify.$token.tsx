import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FormErrors } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { onAppError } from "~/http/route-errors.server";
import { findClaimForToken, verifyInboundAddress } from "~/inbound/inbound-addresses.server";

// The link of a confirmation email. Admin-only: a workspace that does not receive the address's
// mail never sees the link, and whoever else reads it cannot use it without an admin's session here.
export const handle = access("admin");
export const meta: MetaFunction = () => [{ title: "Confirm a support address · Conductor" }, { name: "referrer", content: "no-referrer" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const claim = await findClaimForToken(context.services.control, context.db, params.token ?? "");
  // Always 200: after a confirmation this loader runs again, finds the link used, and must not turn the action's answer into a 404.
  return { address: claim?.address ?? null };
}

// Opening the link only shows this page (mail scanners follow links); the button confirms.
export async function action({ params, context }: ActionFunctionArgs) {
  const actor = requireUser(context);
  return onAppError(
    async () => ({ verified: (await verifyInboundAddress(context.services.control, context.db, actor, params.token ?? "")).address, error: null }),
    (error) => ({ verified: null, error: error.message }),
  );
}

export default function VerifyInboundAddress() {
  const { address } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="space-y-6">
      {result?.verified ? (
        <Notice>
          <span data-testid="address-verified">{result.verified}</span> is confirmed: its mail now becomes tickets in this workspace.
        </Notice>
      ) : null}
      {result?.error ? <FormErrors id="verify-error" errors={[result.error]} /> : null}
      <Section title="Confirm a support address">
        {result?.verified ? null : address ? (
          <Form method="post" className="space-y-4">
            <CsrfInput />
            <p className="text-sm text-slate-700">
              Mail sent to <code className="font-mono text-slate-900">{address}</code> will become tickets in this workspace. Confirm only if this address is
              yours and forwards its mail here.
            </p>
            <Button>{`Confirm ${address}`}</Button>
          </Form>
        ) : (
          <p className="text-sm text-slate-700" data-testid="link-unusable">
            This confirmation link cannot be used here: it is invalid, was already used, has expired, or belongs to another workspace.
          </p>
        )}
        <p className="mt-4 text-sm">
          <Link to="/settings/email" className="font-medium text-brand-700 hover:underline">
            Back to the email settings
          </Link>
        </p>
      </Section>
    </div>
  );
}
