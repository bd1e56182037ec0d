import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { access } from "~/auth/access";
import { CsrfInput } from "~/components/form-fields";
import { PortalErrorBoundary } from "~/components/portal-error";
import { PortalButton, PortalCard } from "~/components/portal-shell";
import { signInCustomer } from "~/portal/customer-sessions.server";
import { portalRedirectTarget } from "~/portal/portal-schemas";
import { redeemSignInLink, signInLinkIsLive } from "~/portal/sign-in-codes.server";

export const handle = access("public");
export const meta: MetaFunction = () => [{ title: "Sign in to the help center" }, { name: "robots", content: "noindex" }];

/**
 * The emailed sign-in link. Opening it only asks for a click: mail scanners that fetch every link
 * must not use up the customer's single-use link. The click (a POST) signs in.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const live = await signInLinkIsLive(context.db, { secret: context.services.auth.sessionSecret, tenantId: context.tenant.id }, params.token ?? "");
  const redirectTo = portalRedirectTarget(new URL(request.url).searchParams.get("redirectTo"));
  return data({ live, redirectTo }, { status: live ? 200 : 400 });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const check = await redeemSignInLink(context.db, { secret: context.services.auth.sessionSecret, tenantId: context.tenant.id }, params.token ?? "");
  if (!check.ok) return data({ failed: true }, { status: 400 });
  const redirectTo = portalRedirectTarget(new URL(request.url).searchParams.get("redirectTo"));
  return redirect(redirectTo, { headers: { "Set-Cookie": await signInCustomer(context, check.customerId) } });
}

export default function SignInLink() {
  const { live } = useLoaderData<typeof loader>();
  const failed = Boolean(useActionData<typeof action>());
  const navigation = useNavigation();
  if (!live || failed) {
    return (
      <div className="mx-auto max-w-md">
        <PortalCard title="This link does not work any more">
          <p role="alert" className="text-slate-700">
            Sign-in links work once, for a short time, and only the newest one counts. Ask for a new code and link.
          </p>
          <Link to="/portal/login" className="mt-6 inline-block font-semibold text-slate-900 underline">
            Get a new sign-in code
          </Link>
        </PortalCard>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-md">
      <PortalCard title="Sign in" description="Continue to see your requests.">
        <Form method="post">
          <CsrfInput />
          <PortalButton className="w-full" disabled={navigation.state === "submitting"}>
            {navigation.state === "submitting" ? "Signing in…" : "Continue to my requests"}
          </PortalButton>
        </Form>
      </PortalCard>
    </div>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
