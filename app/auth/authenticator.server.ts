import type { AppLoadContext } from "@remix-run/node";
import type { Submission } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import type { z } from "zod";
import { loginSchema } from "./login-schema";
import type { CurrentUser } from "./current-user";
import { signInWithPassword } from "./password-sign-in.server";



export type SignedIn = { user: CurrentUser; token: string; redirectTo?: string };

/** Thrown by the form strategy when the form itself is invalid, carrying Conform's submission. */
export class InvalidLoginForm extends Error {
  constructor(public readonly submission: Submission<z.input<typeof loginSchema>, string[], z.output<typeof loginSchema>>) {
    super("invalid sign-in form");
  }
}

/**
 * remix-auth v4 with the form strategy; built per request because it needs the tenant's context.
 * `origin`: the workspace's address, for links in the emails sign-in may send.
 */
export function passwordAuthenticator(context: AppLoadContext, { userAgent, origin }: { userAgent: string | null; origin: string }) {
  return new Authenticator<SignedIn>().use(
    new FormStrategy(async ({ form }) => {
      const submission = parseWithZod(form, { schema: loginSchema });
      if (submission.status !== "success") throw new InvalidLoginForm(submission);
      const { email, password, redirectTo } = submission.value;
      const signedIn = await signInWithPassword(context, { email, password, userAgent, origin });
      return { ...signedIn, redirectTo };
    }),
    "password",
  );
}
