import * as z from "zod";

/** Optional text: empty means none (null). Conform already turns an empty field into undefined. */
const optionalText = (max: number, message: string) =>
  z
    .string()
    .trim()
    .max(max, message)
    .nullable()
    .optional()
    .transform((value) => (value === "" ? null : value));

/** One customer's editable fields: the create and edit forms and the API share it. */
export const customerFields = {
  name: z.string({ error: "Enter the customer's name." }).trim().min(1, "Enter the customer's name.").max(120, "Keep the name under 120 characters."),
  email: z.string({ error: "Enter the customer's email." }).trim().max(254, "That email address is too long.").pipe(z.email("Enter a valid email address.")),
  company: optionalText(120, "Keep the company under 120 characters."),
  phone: optionalText(40, "Keep the phone number under 40 characters."),
};
export const customerFormSchema = z.object(customerFields);
export type CustomerInput = z.output<typeof customerFormSchema>;

export const customerListSchema = z.object({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((value) => value || undefined),
  cursor: z.string().max(400).optional(),
});
