import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { agentActor } from "~/activity/actor";
import { notFound } from "~/app-error";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { CustomerForm } from "~/components/customer-form";
import { PanelErrorBoundary } from "~/components/route-error";
import { customerFormConstraint, validateCustomerForm } from "~/customers/customer-form.server";
import { getCustomer, updateCustomer } from "~/customers/customers.server";
import { replyOnAppError } from "~/http/route-errors.server";
import { routeParam, rowIdParam } from "~/http/route-params.server";

export const handle = access("agent");
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Edit ${data.customer.name} · Conductor` : "Customer · Conductor" }];

const customerId = (param: string | undefined) => routeParam(rowIdParam, param, () => notFound("That customer"));

export async function loader({ params, context }: LoaderFunctionArgs) {
  requireUser(context);
  const { id, name, email, company, phone } = await getCustomer(context.db, customerId(params.id));
  return { customer: { id, name, email, company, phone }, constraint: customerFormConstraint() };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = requireUser(context);
  const id = customerId(params.id);
  const submission = validateCustomerForm(await request.formData());
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  // Conform drops empty fields; an emptied company or phone is a change to "none", not "leave as is".
  const { company = null, phone = null, ...required } = submission.value;
  return replyOnAppError(submission, async () => {
    await updateCustomer(context.db, agentActor(user), id, { ...required, company, phone });
    return redirect(`/customers/${id}`);
  });
}

/** Rendered by the customer detail in place of its details card. */
export default function EditCustomer() {
  const { customer, constraint } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  return (
    <CustomerForm
      id={`customer-${customer.id}`}
      constraint={constraint}
      lastResult={lastResult}
      defaultValue={{ name: customer.name, email: customer.email, company: customer.company ?? "", phone: customer.phone ?? "" }}
      submitLabel="Save changes"
      cancelTo={`/customers/${customer.id}`}
    />
  );
}

export const ErrorBoundary = PanelErrorBoundary;
