import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import * as z from "zod";
import { AppError } from "~/app-error";
import { access } from "~/auth/access";
import { PortalErrorBoundary } from "~/components/portal-error";
import { PortalButtonLink, PortalCard } from "~/components/portal-shell";
import { getRequestConfirmation, receiptMatches } from "~/portal/portal-requests.server";
import { ticketNumberParam } from "~/route-params";

export const handle = access("public");
export const meta: MetaFunction = () => [{ title: "Request received" }, { name: "robots", content: "noindex" }];

const paramsSchema = z.object({ number: ticketNumberParam, receipt: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

/** The confirmation after submitting: only with the receipt the submission's redirect carried. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const parsed = paramsSchema.safeParse({ number: params.number, receipt: new URL(request.url).searchParams.get("receipt") });
  const notFound = new AppError("not_found", "We could not find that request.");
  if (!parsed.success || !receiptMatches(context.services.auth.sessionSecret, context.tenant.id, parsed.data.number, parsed.data.receipt)) throw notFound;
  const confirmation = await getRequestConfirmation(context.db, parsed.data.number);
  if (!confirmation) throw notFound;
  return confirmation;
}

export default function RequestReceived() {
  const { number, subject, emailHint } = useLoaderData<typeof loader>();
  return (
    <PortalCard>
      <div role="status" className="space-y-3 text-center">
        <p className="text-sm font-semibold uppercase tracking-widest text-slate-500">Request received</p>
        <h1 className="text-3xl font-bold text-slate-900" data-testid="request-number">
          #{number}
        </h1>
        <p className="text-lg text-slate-800">{subject}</p>
        <p className="text-slate-600">
          Thank you. A confirmation email is on its way to <span className="font-medium">{emailHint}</span>. Our answers will come by email too, and you can
          follow the request here.
        </p>
      </div>
      <div className="mt-8 flex flex-wrap justify-center gap-3">
        <PortalButtonLink to={`/portal/tickets/${number}`}>Follow this request</PortalButtonLink>
        <Link to="/portal/new" className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-800 hover:bg-slate-50">
          Submit another request
        </Link>
      </div>
    </PortalCard>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
