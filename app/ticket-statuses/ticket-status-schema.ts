import * as z from "zod";
import { STATUS_CATEGORIES } from "../../db/tenant-enums";

/** A status as an admin submits it (`/settings/statuses`); shared by the form and the server. */

export const MAX_AGENT_LABEL_LENGTH = 40;
export const MAX_CUSTOMER_LABEL_LENGTH = 60;

const label = (what: string, max: number) =>
  z
    .string({ error: `Enter ${what}.` })
    .trim()
    .min(1, `Enter ${what}.`)
    .max(max, `Keep ${what} to ${max} characters.`)
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), `${what[0]!.toUpperCase()}${what.slice(1)} cannot contain control characters.`);

export const statusLabelsSchema = z.object({
  agentLabel: label("the name agents see", MAX_AGENT_LABEL_LENGTH),
  customerLabel: label("the name customers see", MAX_CUSTOMER_LABEL_LENGTH),
});

export const newStatusSchema = statusLabelsSchema.extend({
  category: z.enum(STATUS_CATEGORIES, { error: "Choose a category." }),
});

/** A status key as the API and forms send it: the form of every key ticket_statuses accepts. */
export const statusKeySchema = z
  .string({ error: "Choose a status." })
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, "Choose a status from the list.");
