/** Only same-origin paths are followed after sign-in; anything else lands on the dashboard. */
export function safeRedirectTarget(target: unknown, fallback = "/dashboard"): string {
  if (typeof target !== "string" || !target.startsWith("/") || target.startsWith("//") || target.startsWith("/\\")) return fallback;
  if (/[\u0000-\u001f\\]/.test(target)) return fallback;
  try {
    const resolved = new URL(target, "http://same.invalid");
    if (resolved.origin !== "http://same.invalid") return fallback;
    return resolved.pathname + resolved.search + resolved.hash;
  } catch {
    return fallback;
  }
}
