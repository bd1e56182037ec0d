/** The events a webhook can subscribe to, and how the settings screen names them. Pure. */
export const WEBHOOK_EVENTS = ["ticket.created", "ticket.updated", "message.created", "customer.created"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_EVENT_LABELS: Record<WebhookEvent, string> = {
  "ticket.created": "A ticket is created",
  "ticket.updated": "A ticket's properties change (status, priority, assignee, tags, subject)",
  "message.created": "A reply or internal note is added",
  "customer.created": "A customer is created",
};

/** Attempts of one delivery: with graphile-worker's exponential backoff (e^n seconds), about 9½ hours in all. */
export const WEBHOOK_MAX_ATTEMPTS = 10;
