import { expect, test } from "@playwright/test";
import { startOidcProvider, type TestOidcProvider } from "../tests/support/oidc-provider";

test("an agent signs in through the form, lands on the dashboard and signs out", async ({ page }) => {
  await page.goto("/settings/profile");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fsettings%2Fprofile$/);

  await page.getByLabel("Email").fill("agent@acme.test");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("do not match an active account");
  await expect(page.getByLabel("Email")).toHaveValue("agent@acme.test");

  await page.getByLabel("Password").fill("conductor-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await page.getByRole("link", { name: "Dashboard" }).click();
  await expect(page.getByRole("heading", { name: "Welcome back, Alex" })).toBeVisible();

  await page.getByRole("button", { name: /Account menu/ }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fdashboard$/);
});

test.describe("single sign-on", () => {
  let provider: TestOidcProvider;
  test.beforeAll(async ({ baseURL }) => {
    provider = await startOidcProvider({
      accounts: [{ sub: "ada-at-idp", email: "admin@acme.test", email_verified: true, name: "Ada Admin" }],
      redirectUris: [`${baseURL}/auth/sso/callback`],
    });
  });
  test.afterAll(() => provider.close());

  test("an admin configures the provider, tests the connection, and signs in through it", async ({ page }) => {
    await page.goto("/login?redirectTo=/settings/sso");
    await page.getByLabel("Email").fill("admin@acme.test");
    await page.getByLabel("Password").fill("conductor-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Single sign-on (OpenID Connect)" })).toBeVisible();

    await page.getByLabel("Allow sign-in with single sign-on").check();
    await page.getByLabel("Issuer URL").fill(provider.issuer);
    await page.getByLabel("Client ID").fill(provider.clientId);
    await page.getByLabel("Client secret").fill(provider.clientSecret);
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByText("Connection works.")).toBeVisible();
    await page.getByLabel("Client secret").fill(provider.clientSecret);
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByText("Single sign-on settings saved.")).toBeVisible();

    await page.getByRole("button", { name: /Account menu/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);

    await page.getByRole("link", { name: /Sign in with your company account/ }).click();
    await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/interaction/`));
    await page.locator('input[name="login"]').fill("ada-at-idp");
    await page.locator('input[name="password"]').fill("anything");
    await page.locator('button[type="submit"]').click();
    await expect(page).toHaveURL(/acme\.localhost:\d+\/dashboard$/);
    await expect(page.getByRole("heading", { name: "Welcome back, Ada" })).toBeVisible();
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-in form shows field errors, signs in and signs out", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("agent@acme.test");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Enter your password")).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveValue("agent@acme.test");
    await page.getByLabel("Password").fill("conductor-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Welcome back, Alex" })).toBeVisible();
    await page.goto("/settings/profile");
    await page.getByRole("button", { name: "Sign out of this browser" }).click();
    await expect(page).toHaveURL(/\/login$/);
  });
});
