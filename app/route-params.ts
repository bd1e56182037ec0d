import * as z from "zod";

/**
 * The one parser of numbers that name a row: route parameters (`/tickets/1001`, `/api/customers/17`),
 * ids in query strings and form fields. Pages and the API share it so a number has one spelling.
 */

/** PostgreSQL `integer` (ticket numbers). */
export const POSTGRES_INTEGER_MAX = 2_147_483_647;

const NOT_A_NUMBER = "Use a positive whole number, written in digits.";

/**
 * A positive whole number written the way links and forms write it: decimal digits with no sign,
 * leading zero, space, fraction, exponent or hex, and at most `max`. `Number()` and `z.coerce.number()`
 * read "0x3E9", "1e3", " 1001", "+1001" and "1001.0" as 1001 too, so one row would have many addresses.
 */
export function positiveDecimal(max: number, message = NOT_A_NUMBER) {
  return z
    .string({ error: message })
    .regex(/^[1-9][0-9]{0,15}$/, message)
    .transform(Number)
    .pipe(z.number().max(max, message));
}

// Pure: a screen that imports these only for its loader does not ship zod to the browser.
/** A ticket's number. */
export const ticketNumberParam = /* @__PURE__ */ positiveDecimal(POSTGRES_INTEGER_MAX);
/** A row id (PostgreSQL `bigint`), as far as a JavaScript number holds it exactly. */
export const rowIdParam = /* @__PURE__ */ positiveDecimal(Number.MAX_SAFE_INTEGER);

/**
 * Parses a route parameter; one that is not well-formed names nothing, so it gets the caller's
 * not-found error (the same answer as a well-formed number that matches no row).
 */
export function routeParam(schema: z.ZodType<number, string>, value: string | undefined, notFound: () => unknown): number {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw notFound();
  return parsed.data;
}
