import { getFormProps, getInputProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { agentActor } from "~/activity/actor";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { Button, CsrfInput, FieldErrors, FormErrors, TextField } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { MAX_PORTAL_CATEGORIES, portalSettingsSchema } from "~/portal/portal-settings-schema";
import { getPortalSettings, savePortalSettings } from "~/portal/portal-settings.server";
import { DEFAULT_ACCENT, portalTheme } from "~/portal/portal-theme";

export const handle = access("admin");

export async function loader({ context }: LoaderFunctionArgs) {
  return { settings: await getPortalSettings(context.db) };
}

type ActionData = { result: SubmissionResult<string[]>; saved?: boolean };

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = requireUser(context);
  const submission = parseWithZod(await request.formData(), { schema: portalSettingsSchema });
  // Adding or removing a category row (Conform's list intents) also arrives here without JavaScript.
  if (submission.status !== "success") return data<ActionData>({ result: submission.reply() }, { status: submission.status === "error" ? 400 : 200 });
  await savePortalSettings(context.db, agentActor(actor), submission.value);
  return data<ActionData>({ result: submission.reply(), saved: true });
}

export default function PortalSettingsPage() {
  const { settings } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: "portal-settings",
    lastResult: actionData?.result,
    defaultValue: { logoUrl: settings.logoUrl ?? "", accentColor: settings.accentColor ?? "", categories: settings.categories },
    constraint: getZodConstraint(portalSettingsSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: portalSettingsSchema }),
  });
  const categories = fields.categories.getFieldList();
  const typedColor = String(fields.accentColor.value ?? "");
  const preview = portalTheme(/^#[0-9a-f]{6}$/i.test(typedColor) ? typedColor : null);
  return (
    <Section
      title="Customer portal"
      description={
        <>
          How the help center at{" "}
          <a href="/portal" className="font-medium text-brand-700 underline" target="_blank" rel="noreferrer">
            /portal
          </a>{" "}
          looks to your customers, and the categories they choose from when they submit a request.
        </>
      }
    >
      <Form method="post" {...getFormProps(form)} className="grid gap-5">
        <CsrfInput />
        <FormErrors id={form.errorId} errors={form.errors} />
        {actionData?.saved ? <Notice>Portal settings saved.</Notice> : null}
        <TextField
          field={fields.logoUrl}
          label="Logo URL"
          type="url"
          placeholder="https://example.com/logo.png"
          hint="An https:// address of an image. Empty shows the workspace's initial."
        />
        <div className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-start">
          <TextField field={fields.accentColor} label="Accent colour" placeholder={DEFAULT_ACCENT} hint="As #rrggbb. Empty uses Conductor's purple and blue." />
          <div className="space-y-1.5">
            <span className="block text-sm font-medium text-slate-700">Preview</span>
            <span
              aria-hidden
              data-testid="accent-preview"
              className="flex h-10 w-32 items-center justify-center rounded-lg text-sm font-semibold"
              style={{ backgroundImage: preview.header, color: preview.onAccent }}
            >
              Help center
            </span>
          </div>
        </div>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Request categories</legend>
          <p className="text-xs text-slate-500">
            Customers choose one when they submit a request. None: the form has no category. At most {MAX_PORTAL_CATEGORIES}.
          </p>
          <FieldErrors id={fields.categories.errorId} errors={fields.categories.errors} />
          <ul className="space-y-2">
            {categories.map((category, index) => {
              const { key, ...inputProps } = getInputProps(category, { type: "text" });
              return (
                <li key={category.key} className="space-y-1">
                  <div className="flex gap-2">
                    <label htmlFor={category.id} className="sr-only">
                      Category {index + 1}
                    </label>
                    <input
                      key={key}
                      {...inputProps}
                      className={`block w-full rounded-lg border bg-white px-3 py-2 text-slate-900 shadow-sm outline-none focus:ring-2 ${category.errors?.length ? "border-rose-400 focus:ring-rose-200" : "border-slate-300 focus:border-brand-500 focus:ring-brand-500/30"}`}
                    />
                    <Button
                      variant="ghost"
                      {...form.remove.getButtonProps({ name: fields.categories.name, index })}
                      aria-label={`Remove category ${index + 1}`}
                    >
                      Remove
                    </Button>
                  </div>
                  <FieldErrors id={category.errorId} errors={category.errors} />
                </li>
              );
            })}
          </ul>
          {categories.length < MAX_PORTAL_CATEGORIES ? (
            <Button variant="secondary" {...form.insert.getButtonProps({ name: fields.categories.name })}>
              Add a category
            </Button>
          ) : null}
        </fieldset>
        <div>
          <Button>Save</Button>
        </div>
      </Form>
    </Section>
  );
}
