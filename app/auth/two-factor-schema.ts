import * as z from "zod";

/** How many recovery codes a set has. */
export const RECOVERY_CODE_COUNT = 10;

// Form schemas of two-factor sign-in, shared by the browser (Conform) and the server.
const codeField = z.string({ error: "Enter the code" }).trim().min(1, "Enter the code").max(40, "That is not a code");

/** The second step of sign-in: a code from the app or a recovery code. */
export const secondFactorSchema = z.object({ code: codeField });

export const confirmTwoFactorSchema = z.object({ code: codeField });

export const regenerateRecoveryCodesSchema = z.object({ code: codeField });

export const disableTwoFactorSchema = z.object({
  currentPassword: z.string().max(500).optional(),
  code: codeField,
});
