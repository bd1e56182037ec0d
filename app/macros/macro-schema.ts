import * as z from "zod";
import { positiveDecimal, rowIdParam, ticketNumberParam } from "../route-params";
import { MAX_TAGS_PER_TICKET, prioritySchema, statusSchema, tagSchema, tagsSchema } from "../tickets/ticket-schemas";
import type { TicketPriority } from "../../db/tenant-enums";
import { unknownPlaceholderMessage, unknownPlaceholders } from "./macro-placeholders";

/** A macro as `/settings/macros` submits it; shared by the form (in the browser) and the server. */

export const MAX_MACRO_NAME_LENGTH = 80;
export const MAX_MACRO_BODY_LENGTH = 20_000;

/** What a macro does to a ticket's properties; an absent field leaves the property as it is. `assigneeId: null` unassigns. */
export type MacroActions = {
  status?: string;
  priority?: TicketPriority;
  assigneeId?: number | null;
  addTags?: string[];
  removeTags?: string[];
};

export type MacroInput = {
  name: string;
  /** Shared by the workspace (admins manage it) or the author's own. */
  shared: boolean;
  bodyKind: "reply" | "note" | null;
  body: string | null;
  actions: MacroActions;
};

/** A form's comma- or space-separated tags; an error names the tag at fault and shows next to the field, not an item of it. */
const tagActionList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const tags = (value ?? "").split(/[,\s]+/).filter(Boolean);
    if (tags.length > MAX_TAGS_PER_TICKET) {
      ctx.addIssue({ code: "custom", message: `A macro changes at most ${MAX_TAGS_PER_TICKET} tags each way.` });
      return z.NEVER;
    }
    const parsed: string[] = [];
    for (const tag of tags) {
      const result = tagSchema.safeParse(tag);
      if (!result.success) {
        ctx.addIssue({ code: "custom", message: `“${tag.slice(0, 40)}”: ${result.error.issues[0]?.message ?? "not a tag"}` });
        return z.NEVER;
      }
      if (!parsed.includes(result.data)) parsed.push(result.data);
    }
    return parsed;
  });

export const macroFormSchema = z
  .object({
    name: z
      .string({ error: "Enter a name." })
      .trim()
      .min(1, "Enter a name.")
      .max(MAX_MACRO_NAME_LENGTH, `Keep the name to ${MAX_MACRO_NAME_LENGTH} characters.`)
      .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "The name cannot contain control characters."),
    scope: z.enum(["personal", "shared"], { error: "Choose who can use this macro." }).default("personal"),
    bodyKind: z.enum(["none", "reply", "note"], { error: "Choose what the macro writes." }).default("none"),
    body: z
      .string()
      .max(MAX_MACRO_BODY_LENGTH, `The text has at most ${MAX_MACRO_BODY_LENGTH.toLocaleString("en")} characters.`)
      .refine((value) => !value.includes("\u0000"), "The text contains a NUL character.")
      .optional(),
    status: statusSchema.optional(),
    priority: prioritySchema.optional(),
    assigneeId: z.union([z.literal("unassign"), positiveDecimal(Number.MAX_SAFE_INTEGER, "Choose one of the listed members.")]).optional(),
    addTags: tagActionList,
    removeTags: tagActionList,
  })
  .superRefine((value, ctx) => {
    const body = value.body?.trim() ?? "";
    if (value.bodyKind !== "none" && !body) ctx.addIssue({ code: "custom", path: ["body"], message: "Write the text the macro puts in the composer." });
    if (value.bodyKind === "none" && body) {
      ctx.addIssue({ code: "custom", path: ["bodyKind"], message: "Choose whether the text is a public reply or an internal note." });
    }
    const unknown = unknownPlaceholders(body);
    if (unknown.length > 0) ctx.addIssue({ code: "custom", path: ["body"], message: unknownPlaceholderMessage(unknown) });
    const both = value.addTags.filter((tag) => value.removeTags.includes(tag));
    if (both.length > 0) ctx.addIssue({ code: "custom", path: ["removeTags"], message: `Add or remove a tag, not both: ${both.join(", ")}.` });
    const acts = value.status || value.priority || value.assigneeId || value.addTags.length || value.removeTags.length;
    if (!body && !acts) ctx.addIssue({ code: "custom", path: [], message: "A macro needs text, or at least one change to the ticket." });
  });

export type MacroForm = z.output<typeof macroFormSchema>;

export function macroInputFromForm(form: MacroForm): MacroInput {
  const body = form.body?.trim() ?? "";
  const actions: MacroActions = {};
  if (form.status) actions.status = form.status;
  if (form.priority) actions.priority = form.priority;
  if (form.assigneeId !== undefined) actions.assigneeId = form.assigneeId === "unassign" ? null : form.assigneeId;
  if (form.addTags.length) actions.addTags = form.addTags;
  if (form.removeTags.length) actions.removeTags = form.removeTags;
  return {
    name: form.name,
    shared: form.scope === "shared",
    bodyKind: form.bodyKind === "none" || !body ? null : form.bodyKind,
    body: form.bodyKind === "none" || !body ? null : body,
    actions,
  };
}

/** The stored actions (jsonb), read defensively: a field that does not have its shape is ignored. */
const storedActionsSchema = z.object({
  status: statusSchema.optional().catch(undefined),
  priority: prioritySchema.optional().catch(undefined),
  assigneeId: z.number().int().positive().nullable().optional().catch(undefined),
  addTags: tagsSchema.optional().catch(undefined),
  removeTags: tagsSchema.optional().catch(undefined),
});

export function readMacroActions(stored: unknown): MacroActions {
  const parsed = storedActionsSchema.safeParse(stored);
  if (!parsed.success) return {};
  const actions: MacroActions = {};
  for (const [key, value] of Object.entries(parsed.data)) if (value !== undefined) (actions as Record<string, unknown>)[key] = value;
  return actions;
}

export const hasActions = (actions: MacroActions) => Object.keys(actions).length > 0;

/** The ticket list's "Apply macro": the selected tickets and the macro. */
export const bulkMacroFormSchema = z.object({
  numbers: z.array(ticketNumberParam).min(1).max(100),
  macroId: rowIdParam,
});
