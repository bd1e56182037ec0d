import type { AppLoadContext } from "@remix-run/node";
import { AppError } from "../app-error";
import { portalRateLimits, consumeOrRefuse } from "./portal-rate-limits.server";
import { findSubmittedRequest, requestReceipt, submitPortalRequest } from "./portal-requests.server";
import type { PortalRequestInput } from "./portal-schemas";
import { checkRequestFormToken } from "./request-form-token.server";

/**
 * The portal's "Submit a request" form, after the route has parsed it. Refusals are AppErrors
 * whose message the form shows above what the person wrote (kept); `freshFormToken` marks those
 * after which the page needs a new form token.
 */

/** The spam trap's field: hidden from people and assistive technology, filled in by form-stuffing bots. */
export const HONEYPOT_FIELD = "website";

const refused = (message: string, freshFormToken = false) => new AppError("request_form_refused", message, { freshFormToken });

const REFUSALS = {
  honeypot: "We could not accept this request. If you are a person, leave the field marked “Leave this field empty” empty and send it again.",
  too_fast: "That was faster than a person can fill in this form, so we did not send it. Check your request and send it again.",
  expired: "This form was open for too long. We kept what you wrote: send it again.",
  invalid: "We could not check this form. We kept what you wrote: send it again.",
};

const clientKey = (context: AppLoadContext) => `${context.tenant.id}:${context.clientKey}`;

/**
 * The checks that come before the fields are read: the spam trap (a filled one costs the client a
 * point of its limit) and the signed form token. Returns the token's idempotency key.
 */
export async function admitRequestForm(context: AppLoadContext, form: { honeypot: unknown; formToken: unknown }): Promise<string> {
  const { services, tenant } = context;
  if (String(form.honeypot ?? "") !== "") {
    await portalRateLimits(services).requestsByIp.penalty(clientKey(context), 1);
    throw refused(REFUSALS.honeypot);
  }
  const token = checkRequestFormToken(services.auth.sessionSecret, tenant.id, form.formToken);
  if (!token.ok) throw refused(REFUSALS[token.reason], token.reason !== "too_fast");
  return token.idempotencyKey;
}

/**
 * Files the request and returns its confirmation page's address. A retry of a form that already
 * went through is answered without counting against the client's limit; a form key sent with
 * another email is refused (`form_reused`).
 */
export async function fileRequestForm(context: AppLoadContext, origin: string, input: PortalRequestInput & { idempotencyKey: string }): Promise<string> {
  const { services, tenant } = context;
  const confirmation = (number: number) =>
    `/portal/received/${number}?${new URLSearchParams({ receipt: requestReceipt(services.auth.sessionSecret, tenant.id, number) })}`;
  const previous = await findSubmittedRequest(context.db, input.idempotencyKey, input.email);
  if (previous) return confirmation(previous.number);
  await consumeOrRefuse(
    [[portalRateLimits(services).requestsByIp, clientKey(context)]],
    (tryAgain) => `You have sent several requests in a short time. Too many attempts. ${tryAgain} We kept what you wrote.`,
  );
  const { number } = await submitPortalRequest(context.db, origin, input);
  return confirmation(number);
}
