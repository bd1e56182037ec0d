// Pages served before Remix, for requests that never reach a tenant schema.

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Conductor</title>
<style>
  :root { color-scheme: light; font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: linear-gradient(135deg, #667eea 0%, #764ba2 100%); color: #1f2937; }
  main { background: #fff; border-radius: 16px; padding: 40px 48px; max-width: 520px; box-shadow: 0 20px 50px rgba(31, 41, 55, .25); }
  h1 { margin: 0 0 12px; font-size: 1.6rem; }
  p { line-height: 1.55; color: #4b5563; }
  .brand { font-weight: 700; letter-spacing: .02em; background: linear-gradient(135deg, #667eea, #764ba2); -webkit-background-clip: text; background-clip: text; color: transparent; }
  code { background: #f3f4f6; padding: 2px 6px; border-radius: 6px; }
</style></head>
<body><main><p class="brand">Conductor</p>${body}</main></body></html>`;
}

export function landingPage(appDomain: string): string {
  return page(
    "Customer support for every team",
    `<h1>Customer support, conducted.</h1>
     <p>Conductor gives every company its own help desk: tickets, customers and a portal on its own subdomain.</p>
     <p>Your workspace lives at <code>your-company.${escapeHtml(appDomain)}</code>.</p>`,
  );
}

export function workspaceNotFoundPage(host: string): string {
  return page(
    "Workspace not found",
    `<h1>Workspace not found</h1>
     <p>There is no Conductor workspace at <code>${escapeHtml(host || "this address")}</code>. Check the address, or ask your administrator for your workspace link.</p>`,
  );
}

export function workspaceSuspendedPage(name: string): string {
  return page(
    "Workspace suspended",
    `<h1>This workspace is suspended</h1>
     <p>The ${escapeHtml(name)} workspace is suspended, so it cannot be used right now. Its data is kept. Please contact your administrator or Conductor support.</p>`,
  );
}

/** A request refused before any route runs (a malformed path, a body over the cap): what and why. */
export function refusalPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

export const DATABASE_UNAVAILABLE_MESSAGE = "Conductor cannot reach its database at the moment. Please try again in a minute.";

/** Served with 503 and Retry-After while the database cannot be reached; `detail` replaces the default explanation. */
export function unavailablePage(detail: string = DATABASE_UNAVAILABLE_MESSAGE): string {
  return page("Temporarily unavailable", `<h1>Temporarily unavailable</h1><p>${escapeHtml(detail)}</p>`);
}
