// What only loaders and actions use, through this `.server` module so a screen that validates on the
// server only never ships zod (as app/tickets/ticket-input.server.ts does).
export { bulkMacroFormSchema, hasActions } from "./macro-schema";
