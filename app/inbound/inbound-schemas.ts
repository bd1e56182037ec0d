import * as z from "zod";

// Not in inbound-addresses.server.ts: the settings form validates with it in the browser too,
// where `.server` modules are empty.
export const inboundAddressSchema = z.object({
  address: z
    .string({ error: "Enter an email address." })
    .trim()
    .toLowerCase()
    .max(254, "An email address has at most 254 characters.")
    .pipe(z.email("Enter an email address such as help@example.com.")),
});
