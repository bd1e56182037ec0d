import type { AppLoadContext } from "@remix-run/node";
import { parseWithZod } from "@conform-to/zod/v4";
import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import { fieldError } from "../app-error";
import { loginSchema } from "./login-schema";
import { signInWithPassword, type PasswordSignInOutcome } from "./password-sign-in.server";

/** A session opened, or (two-factor on) the challenge of the second step; with the form's redirect target. */
export type SignedIn = PasswordSignInOutcome & { redirectTo?: string };

/**
 * remix-auth v4 with the form strategy; built per request because it needs the tenant's context.
 * `origin`: the workspace's address, for links in the emails sign-in may send.
 */
export function passwordAuthenticator(context: AppLoadContext, { userAgent, origin }: { userAgent: string | null; origin: string }) {
  return new Authenticator<SignedIn>().use(
    new FormStrategy(async ({ form }) => {
      const submission = parseWithZod(form, { schema: loginSchema });
      // The sign-in route validates the form first and shows its field errors; this is the strategy's own check.
      if (submission.status !== "success") throw fieldError("email", "Enter your email and password.");
      const { email, password, redirectTo } = submission.value;
      const signedIn = await signInWithPassword(context, { email, password, userAgent, origin });
      return { ...signedIn, redirectTo };
    }),
    "password",
  );
}
