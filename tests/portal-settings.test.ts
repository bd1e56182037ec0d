import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPortalSettings } from "../app/portal/portal-settings.server";
import { contrastRatio, portalTheme } from "../app/portal/portal-theme";
import type { TenantRecord } from "../tenancy/tenant-record";
import { createMember, postHeaders, sessionFor } from "./support/auth";
import { createTestTenant, openTestPlatform } from "./support/test-platform";
import { startTestServer, type TestServer } from "./support/test-server";

const platform = openTestPlatform();
let server: TestServer;
let acme: TenantRecord;
let admin: { cookie: string; csrf: string };
let agent: { cookie: string; csrf: string };

const host = () => `${acme.slug}.localhost`;
const get = (path: string, cookie = "") => server.request(host(), path, { headers: cookie ? { cookie } : {} });
const save = (fields: Array<[string, string]>, session = admin) =>
  server.request(host(), "/settings/portal", {
    method: "POST",
    body: new URLSearchParams([["csrf", session.csrf], ...fields]).toString(),
    headers: postHeaders(`http://${host()}`, { cookie: session.cookie }),
  });

beforeAll(async () => {
  acme = await createTestTenant(platform, { name: "Acme Rockets" });
  admin = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "boss@settings-portal.test", role: "admin" })).id);
  agent = await sessionFor(platform, acme, (await createMember(platform, acme, { email: "agent@settings-portal.test", role: "agent" })).id);
  server = await startTestServer(platform);
});
afterAll(async () => {
  await server.close();
  await platform.close();
});

describe("portal branding", () => {
  it("is for admins only", async () => {
    expect((await get("/settings/portal", admin.cookie)).status).toBe(200);
    expect((await get("/settings/portal", agent.cookie)).status).toBe(403);
    expect((await save([["accentColor", "#123456"]], agent)).status).toBe(403);
    expect((await get("/settings/portal")).status).toBe(302);
  });

  it("refuses a logo that is not an https URL and a colour that is not #rrggbb, keeping what was typed", async () => {
    for (const [field, value, message] of [
      ["logoUrl", "http://example.com/logo.png", "Enter an https:// address of an image"],
      ["logoUrl", "javascript:alert(1)", "Enter an https:// address of an image"],
      ["accentColor", "red", "Enter a colour as #rrggbb"],
      ["accentColor", "#12345g", "Enter a colour as #rrggbb"],
      ["accentColor", "#fff;background:url(x)", "Enter a colour as #rrggbb"],
    ] as const) {
      const response = await save([[field, value]]);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain(message);
      expect(html).toContain(`value="${value.replace(/&/g, "&amp;")}"`);
    }
    expect(await getPortalSettings(platform.router.forTenant(acme))).toEqual({ logoUrl: null, accentColor: null, categories: [] });
  });

  it("validates categories as a list: no blanks, no duplicates", async () => {
    const duplicate = await save([
      ["categories[0]", "Billing"],
      ["categories[1]", "billing"],
    ]);
    expect(duplicate.status).toBe(400);
    expect(await duplicate.text()).toContain("This category is listed twice.");
    const blank = await save([
      ["categories[0]", "Billing"],
      ["categories[1]", ""],
    ]);
    expect(blank.status).toBe(400);
    expect(await blank.text()).toContain("Name the category, or remove this row.");
  });

  it("adds a category row without JavaScript (Conform's list intent)", async () => {
    const response = await save([
      ["categories[0]", "Billing"],
      ["__intent__", JSON.stringify({ type: "insert", payload: { name: "categories" } })],
    ]);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('name="categories[1]"');
    expect(html).toContain('value="Billing"');
  });

  it("saves branding and categories, and the portal shows them", async () => {
    const saved = await save([
      ["logoUrl", "https://cdn.example.com/acme.png"],
      ["accentColor", "#0F766E"],
      ["categories[0]", "Billing"],
      ["categories[1]", "Launch problems"],
    ]);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("Portal settings saved.");
    expect(await getPortalSettings(platform.router.forTenant(acme))).toEqual({
      logoUrl: "https://cdn.example.com/acme.png",
      accentColor: "#0f766e",
      categories: ["Billing", "Launch problems"],
    });

    const portal = await (await get("/portal")).text();
    expect(portal).toContain('src="https://cdn.example.com/acme.png"');
    expect(portal).toContain('alt="Acme Rockets logo"');
    expect(portal).toContain("--portal-accent:#0f766e");
    expect(portal).toContain("Submit a request");
    expect(portal).toContain("My requests");
    const form = await (await get("/portal/new")).text();
    expect(form).toContain(">Launch problems</option>");

    // cleared again: the default look, no categories
    expect((await save([])).status).toBe(200);
    expect(await getPortalSettings(platform.router.forTenant(acme))).toEqual({ logoUrl: null, accentColor: null, categories: [] });
    expect(await (await get("/portal")).text()).toContain("--portal-accent:#667eea");
  });

  it("keeps text on a custom accent colour readable (WCAG AA), and falls back to the design system's gradient", () => {
    for (const colour of ["#0f766e", "#ffff00", "#000000", "#ffffff", "#ff0000", "#3b82f6", "#767676", "#777777", "#7a7a7a", "#808080"]) {
      const theme = portalTheme(colour);
      const farEnd = /, (#[0-9a-f]{6}) 100%\)$/.exec(theme.header)![1]!;
      expect(contrastRatio(theme.accent, theme.onAccent), colour).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(farEnd, theme.onAccent), colour).toBeGreaterThanOrEqual(4.5);
    }
    expect(portalTheme(null)).toEqual({ accent: "#667eea", onAccent: "#ffffff", header: "linear-gradient(135deg, #667eea 0%, #764ba2 100%)" });
    expect(portalTheme("not a colour").accent).toBe("#667eea");
  });
});
