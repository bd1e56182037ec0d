// drizzle-kit reads this file to generate tenant migrations (drizzle.tenant.config.ts).
// The app never queries these unqualified tables: it uses tenantTables(schemaName).
import { templateTables } from "./tenant-tables";

export const {
  users,
  sessions,
  customers,
  ticketStatuses,
  tickets,
  ticketMessages,
  ticketCounters,
  customerSessions,
  customerLoginCodes,
  outboundEmails,
  portalSettings,
  inboundEmails,
  messageAttachments,
  activityLogs,
  invites,
  apiTokens,
  passwordResets,
  emailChanges,
  ssoIdentities,
  ssoSettings,
  businessSchedules,
  slaPolicies,
  ticketSlaEvents,
  ticketSlas,
  ticketSlaAlerts,
  memberTotp,
  memberRecoveryCodes,
  macros,
} = templateTables();
