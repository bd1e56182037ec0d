import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteError } from "@remix-run/react";
import { access } from "~/auth/access";
import { describeRouteError } from "~/components/error-status";
import { useNonce } from "~/components/nonce";
import { RequestId } from "~/components/route-error";
import stylesheet from "~/tailwind.css";

export const handle = access("public");

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = (args) => {
  const workspace = (args.data as { workspace?: { name: string } } | undefined)?.workspace;
  return [{ title: workspace ? `${workspace.name} · Conductor` : "Conductor" }];
};

export function loader({ context }: LoaderFunctionArgs) {
  const auth = context.auth;
  return {
    workspace: { name: context.tenant.name, slug: context.tenant.slug },
    user: auth?.user ?? null,
    csrfToken: auth?.via === "session" ? auth.csrfToken : null,
  };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en" className="h-full bg-slate-50">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="h-full font-sans text-slate-800 antialiased">
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const { status, title, message, requestId } = describeRouteError(useRouteError(), "root");
  return (
    <main className="grid min-h-full place-items-center px-6 py-24">
      <div className="max-w-md text-center">
        <p className="text-gradient-primary text-5xl font-bold">{status}</p>
        <h1 className="mt-4 text-2xl font-semibold text-slate-900">{title}</h1>
        <p className="mt-3 text-slate-600">{message}</p>
        <RequestId id={requestId} />
        <a href="/" className="mt-8 inline-block rounded-lg bg-gradient-primary px-4 py-2 font-medium text-white shadow">
          Back to the start
        </a>
      </div>
    </main>
  );
}
