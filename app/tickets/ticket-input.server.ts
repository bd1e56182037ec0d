// Schemas that only loaders and actions use, imported through this `.server` module so the
// browser bundle of a screen that validates on the server only never ships zod.
export { parseWithZod } from "@conform-to/zod/v4";
export { bulkFormSchema, replyFormSchema, ticketFiltersFromSearchParams, ticketPropertiesFormSchema } from "./ticket-schemas";
