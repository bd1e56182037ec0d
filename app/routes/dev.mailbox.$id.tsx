import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { format } from "date-fns";
import { access } from "~/auth/access";
import { getMailboxEmail, requireDevMailbox } from "~/email/dev-mailbox.server";
import { headerFields } from "~/email/raw-message";
import { rowIdParam } from "~/http/route-params.server";

export const handle = access("public");

export async function loader({ params, context }: LoaderFunctionArgs) {
  requireDevMailbox(context.services);
  const id = rowIdParam.safeParse(params.id);
  const email = id.success ? await getMailboxEmail(context.db, id.data) : null;
  if (!email) throw new Response("Not Found", { status: 404 });
  const to = email.toName ? `${email.toName} <${email.toAddress}>` : email.toAddress;
  return {
    email: {
      subject: email.subject,
      status: email.status,
      attempts: email.attempts,
      lastError: email.lastError,
      sentAt: email.sentAt,
      text: email.textBody,
      html: email.htmlBody,
      rawSource: email.rawSource,
    },
    // Once sent, the header fields of the message as built for SMTP (the reply address, threading,
    // Auto-Submitted…); before that, what the outbox row says.
    headers: email.rawSource
      ? headerFields(email.rawSource).filter(([name]) => !/^content-/i.test(name) && name.toLowerCase() !== "mime-version")
      : [
          ["From", `${context.tenant.name} <${context.services.mail.fromAddress}>`],
          ["To", to],
          ["Subject", email.subject],
          ["Date", format(email.createdAt, "PPpp")],
          ["Message-ID", email.messageId],
          ["In-Reply-To", email.inReplyTo],
          ["References", email.references.join(" ") || null],
        ].filter((header): header is [string, string] => Boolean(header[1])),
  };
}

export default function DevMailboxEmail() {
  const { email, headers } = useLoaderData<typeof loader>();
  return (
    <article aria-labelledby="email-subject" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
      <h2 id="email-subject" className="text-lg font-semibold text-slate-900">
        {email.subject}
      </h2>
      <dl className="grid grid-cols-[6.5rem_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm sm:grid-cols-[8rem_minmax(0,1fr)]" data-testid="headers">
        {headers.map(([name, value], index) => (
          <div key={`${name}-${index}`} className="contents">
            <dt className="font-medium text-slate-500">{name}</dt>
            <dd className="break-all font-mono text-slate-900">{value}</dd>
          </div>
        ))}
        <dt className="font-medium text-slate-500">Status</dt>
        <dd className="text-slate-900">
          {email.status}
          {email.sentAt ? ` ${format(new Date(email.sentAt), "PPpp")}` : ""}
          {email.attempts > 1 ? ` after ${email.attempts} attempts` : ""}
          {email.lastError ? ` (last error: ${email.lastError})` : ""}
        </dd>
      </dl>
      <section aria-labelledby="text-part">
        <h3 id="text-part" className="mb-1 text-sm font-semibold text-slate-700">
          Text part
        </h3>
        <pre data-testid="text-part" className="whitespace-pre-wrap break-words rounded-lg bg-slate-50 p-3 font-mono text-sm text-slate-900">
          <LinkedText text={email.text} />
        </pre>
      </section>
      <section aria-labelledby="html-part">
        <h3 id="html-part" className="mb-1 text-sm font-semibold text-slate-700">
          HTML part
        </h3>
        {/* sandbox="" : no scripts, no same-origin access, no navigation; the links above work instead. */}
        <iframe title="HTML part of the email" sandbox="" srcDoc={email.html} className="h-[28rem] w-full rounded-lg border border-slate-200 bg-white" />
      </section>
      {email.rawSource ? (
        <details className="rounded-lg border border-slate-200">
          <summary className="cursor-pointer px-3 py-2 text-sm font-semibold text-slate-700">Raw source</summary>
          <pre data-testid="raw-source" className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-all bg-slate-50 p-3 font-mono text-xs text-slate-900">
            {email.rawSource}
          </pre>
        </details>
      ) : (
        <p className="text-sm text-slate-600">The raw source appears once the message is sent.</p>
      )}
    </article>
  );
}

/** The text part with its web addresses clickable, so the demo's sign-in and invite links can be followed. */
function LinkedText({ text }: { text: string }) {
  return (
    <>
      {text.split(/(https?:\/\/[^\s<>"]+)/g).map((part, index) =>
        index % 2 === 1 ? (
          <a key={index} href={part} rel="noreferrer" className="text-brand-700 underline">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </>
  );
}
