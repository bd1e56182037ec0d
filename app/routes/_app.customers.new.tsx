import { data, redirect, type ActionFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { CustomerForm } from "~/components/customer-form";
import { PageHeader } from "~/components/page-header";
import { PanelErrorBoundary } from "~/components/route-error";
import { customerFormConstraint, validateCustomerForm } from "~/customers/customer-form.server";
import { createCustomer } from "~/customers/customers.server";
import { replyOnAppError } from "~/http/route-errors.server";

export const handle = access("agent");
export const meta: MetaFunction = () => [{ title: "New customer · Conductor" }];

export function loader() {
  return { constraint: customerFormConstraint() };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = requireUser(context);
  const submission = validateCustomerForm(await request.formData());
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  return replyOnAppError(submission, async () => {
    const customer = await createCustomer(context.db, agentActor(user), submission.value);
    return redirect(`/customers/${customer.id}`);
  });
}

export default function NewCustomer() {
  const lastResult = useActionData<typeof action>();
  const { constraint } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-3xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link to="/customers" className="font-medium text-brand-700 hover:underline">
          Customers
        </Link>
      </nav>
      <PageHeader title="New customer" description="Add someone before they write in, for example to open a ticket on their behalf." />
      <section aria-label="Customer details" className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
        <div className="h-1.5 bg-gradient-primary" />
        <div className="p-6">
          <CustomerForm id="new-customer" constraint={constraint} lastResult={lastResult} submitLabel="Add customer" cancelTo="/customers" />
        </div>
      </section>
    </div>
  );
}

export const ErrorBoundary = PanelErrorBoundary;
