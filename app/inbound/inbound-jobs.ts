/** The job that parses one stored inbound email into a ticket message. */
export const PROCESS_INBOUND_EMAIL_TASK = "process_inbound_email";
export type ProcessInboundEmailPayload = { tenantId: string; inboundEmailId: number };
