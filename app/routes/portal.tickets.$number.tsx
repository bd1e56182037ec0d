import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AppError } from "~/app-error";
import { access } from "~/auth/access";
import { AttachmentList } from "~/components/attachment-list";
import { CsrfInput, FormErrors, TextAreaField } from "~/components/form-fields";
import { PortalErrorBoundary } from "~/components/portal-error";
import { PortalButton } from "~/components/portal-shell";
import { PortalStatusBadge } from "~/components/portal-status-badge";
import { RelativeTime } from "~/components/relative-time";
import { usePollingRevalidation } from "~/hooks/use-polling-revalidation";
import { requireCustomer } from "~/portal/customer-sessions.server";
import { portalReplySchema } from "~/portal/portal-schemas";
import { getCustomerTicket, replyAsCustomer } from "~/portal/portal-tickets.server";
import { routeParam, ticketNumberParam } from "~/http/route-params.server";

export const handle = access("public");
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `#${data.ticket.number} ${data.ticket.subject}` : "Request" }];

const ticketNumber = (raw: string | undefined) => routeParam(ticketNumberParam, raw, () => new AppError("not_found", "We could not find that request."));

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const customer = await requireCustomer(request, context);
  const ticket = await getCustomerTicket(context.db, customer.id, ticketNumber(params.number));
  return { ticket, pollIntervalMs: context.services.ui.pollIntervalMs };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const customer = await requireCustomer(request, context);
  const number = ticketNumber(params.number);
  const submission = parseWithZod(await request.formData(), { schema: portalReplySchema });
  if (submission.status !== "success") return data({ result: submission.reply() as SubmissionResult<string[]> }, { status: 400 });
  await replyAsCustomer(context.db, new URL(request.url).origin, customer, number, submission.value.body);
  return redirect(`/portal/tickets/${number}#latest`);
}

export default function PortalTicket() {
  const { ticket, pollIntervalMs } = useLoaderData<typeof loader>();
  usePollingRevalidation(pollIntervalMs);
  const ownMessages = ticket.messages.filter((message) => message.fromCustomer).length;
  return (
    <div className="space-y-6">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-600">
        <Link to="/portal/tickets" className="hover:underline">
          My requests
        </Link>{" "}
        <span aria-hidden>/</span> #{ticket.number}
      </nav>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold text-slate-900">
          <span className="text-slate-500">#{ticket.number}</span> {ticket.subject}
        </h1>
        <PortalStatusBadge label={ticket.statusLabel} category={ticket.statusCategory} />
      </div>
      <section aria-label="Conversation" className="space-y-4">
        {ticket.messages.map((message, index) => (
          <article
            key={message.id}
            id={index === ticket.messages.length - 1 ? "latest" : undefined}
            data-testid="portal-message"
            className={`rounded-2xl border bg-white p-4 shadow-sm ${message.fromCustomer ? "border-slate-200 sm:ml-10" : "border-[var(--portal-accent)]/40 sm:mr-10"}`}
          >
            <header className="mb-2 flex flex-wrap items-center gap-2 text-sm">
              <span
                aria-hidden
                className={`grid h-7 w-7 place-items-center rounded-full text-xs font-bold ${message.fromCustomer ? "bg-slate-200 text-slate-700" : "text-[var(--portal-on-accent)] [background-image:var(--portal-header)]"}`}
              >
                {message.author.slice(0, 1).toUpperCase()}
              </span>
              <span className="font-semibold text-slate-900">{message.author}</span>
              <span className="text-slate-500">
                <RelativeTime date={message.createdAt} />
              </span>
            </header>
            <div className="whitespace-pre-wrap break-words text-slate-800">{message.body}</div>
            <AttachmentList files={message.attachments} hrefFor={(fileId) => `/portal/tickets/${ticket.number}/attachments/${fileId}`} />
          </article>
        ))}
      </section>
      {/* Keyed by the customer's own replies: a sent reply clears the box, an agent's answer arriving by polling does not. */}
      <ReplyForm key={ownMessages} solved={ticket.statusCategory === "solved" || ticket.statusCategory === "closed"} />
    </div>
  );
}

function ReplyForm({ solved }: { solved: boolean }) {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    id: "portal-reply",
    lastResult: actionData?.result,
    constraint: getZodConstraint(portalReplySchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: portalReplySchema }),
  });
  const sending = navigation.state === "submitting";
  return (
    <section className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="reply-heading">
      <h2 id="reply-heading" className="text-lg font-semibold text-slate-900">
        Reply
      </h2>
      {solved ? <p className="mt-1 text-sm text-slate-600">This request is solved. Replying opens it again.</p> : null}
      <Form method="post" {...getFormProps(form)} className="mt-4 space-y-3">
        <CsrfInput />
        <FormErrors id={form.errorId} errors={form.errors} />
        <TextAreaField field={fields.body} label="Your message" rows={5} placeholder="Write your reply…" />
        <PortalButton disabled={sending}>{sending ? "Sending…" : "Send reply"}</PortalButton>
      </Form>
    </section>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
