import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { access } from "~/auth/access";
import { requireUser } from "~/auth/guards.server";
import { testConnection, type ConnectionTest } from "~/auth/oidc.server";
import { ssoSettingsSchemaFor } from "~/auth/sso-schema";
import { getSsoSettings, saveSsoSettings } from "~/auth/sso-settings.server";
import { Button, Checkbox, CsrfInput, FormErrors, TextField } from "~/components/form-fields";
import { Notice, Section } from "~/components/section";
import { replyOnAppError } from "~/http/route-errors.server";

export const handle = access("admin");

export async function loader({ request, context }: LoaderFunctionArgs) {
  return {
    settings: await getSsoSettings(context.db),
    callbackUrl: new URL("/auth/sso/callback", new URL(request.url).origin).toString(),
    httpsOnly: context.services.outbound.requireHttps,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = requireUser(context);
  const form = await request.formData();
  const submission = parseWithZod(form, { schema: ssoSettingsSchemaFor({ httpsOnly: context.services.outbound.requireHttps }) });
  if (submission.status !== "success") return data({ result: submission.reply({ hideFields: ["clientSecret"] }) }, { status: 400 });
  const settings = submission.value;
  const result = () => submission.reply({ hideFields: ["clientSecret"] });
  if (form.get("intent") === "test") return { result: result(), test: await testConnection(context.services.outbound, settings.issuer) };
  return replyOnAppError(
    submission,
    async () => {
      await saveSsoSettings(context.db, actor, settings, context.services.auth.sessionSecret);
      return { result: result(), saved: true };
    },
    { hideFields: ["clientSecret"], body: (reply) => ({ result: reply }) },
  );
}

type ActionData = { result: SubmissionResult<string[]>; test?: ConnectionTest; saved?: boolean };

export default function SsoSettings() {
  const { settings, callbackUrl, httpsOnly } = useLoaderData<typeof loader>();
  const schema = ssoSettingsSchemaFor({ httpsOnly });
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    defaultValue: settings
      ? {
          ...settings,
          enabled: settings.enabled ? "on" : undefined,
          autoCreateUsers: settings.autoCreateUsers ? "on" : undefined,
          allowedDomains: settings.allowedDomains.join(", "),
        }
      : undefined,
    constraint: getZodConstraint(schema),
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
  const test = actionData?.test;
  return (
    <Section
      title="Single sign-on (OpenID Connect)"
      description={
        <>
          Register Conductor with your identity provider using the redirect URL <code className="rounded bg-slate-100 px-1">{callbackUrl}</code>.
        </>
      }
    >
      <Form method="post" {...getFormProps(form)} className="grid gap-4">
        <CsrfInput />
        <FormErrors id={form.errorId} errors={form.errors} />
        {actionData?.saved ? <Notice>Single sign-on settings saved.</Notice> : null}
        {test?.ok ? (
          <Notice tone="info">
            Connection works. Found issuer {test.issuer}; authorization endpoint {test.authorizationEndpoint}; token endpoint {test.tokenEndpoint}; keys{" "}
            {test.jwksUri}.
          </Notice>
        ) : null}
        {test && !test.ok ? <FormErrors id="sso-test" errors={[`Connection failed: ${test.message}`]} /> : null}
        <Checkbox field={fields.enabled} label="Allow sign-in with single sign-on" />
        <TextField field={fields.issuer} label="Issuer URL" type="url" placeholder="https://login.example.com" />
        <TextField field={fields.clientId} label="Client ID" />
        <TextField
          field={fields.clientSecret}
          label="Client secret"
          type="password"
          autoComplete="off"
          hint={settings?.hasClientSecret ? "A secret is stored. Leave empty to keep it." : "Stored encrypted."}
        />
        <Checkbox field={fields.autoCreateUsers} label="Create an agent account for unknown people on their first sign-in" />
        <TextField
          field={fields.allowedDomains}
          label="Allowed email domains"
          placeholder="example.com, example.org"
          hint="Empty allows any domain the provider verifies."
        />
        <div className="flex gap-3">
          <Button name="intent" value="save">
            Save
          </Button>
          <Button name="intent" value="test" variant="secondary">
            Test connection
          </Button>
        </div>
      </Form>
    </Section>
  );
}
