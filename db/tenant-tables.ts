import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  customType,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  type PgTableFn,
} from "drizzle-orm/pg-core";

export * from "./tenant-enums";
import {
  AUTHOR_TYPES,
  INBOUND_EMAIL_STATUSES,
  OUTBOUND_EMAIL_STATUSES,
  TICKET_CHANNELS,
  TICKET_PRIORITIES,
  STATUS_CATEGORIES,
  USER_ORIGINS,
  USER_ROLES,
  type AuthorType,
  type InboundEmailStatus,
  type OutboundEmailStatus,
  type TicketChannel,
  type TicketPriority,
  type StatusCategory,
  type UserOrigin,
  type UserRole,
} from "./tenant-enums";

const SLA_EVENT_TYPES = ["ticket_created", "status_changed", "customer_message", "agent_public_reply", "policy_changed"] as const;
export type SlaEventType = (typeof SLA_EVENT_TYPES)[number];
type BusinessPeriodRow = { weekday: number; start: string; end: string };
type HolidayRow = { date: string; name: string };
type SlaMetricTargets = { firstReply?: number; nextReply?: number; resolution?: number };
type SlaTargetsRow = Partial<Record<TicketPriority, SlaMetricTargets>>;
type SlaConditionsRow = { priorities?: TicketPriority[]; channels?: TicketChannel[]; tags?: string[]; customerDomains?: string[]; categories?: string[] };

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

/** PostgreSQL's text-search document; drizzle has no built-in column type for it. */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
const bytea = customType<{ data: Buffer }>({ dataType: () => "bytea" });

const oneOf = (values: readonly string[]) => sql.raw(values.map((value) => `'${value}'`).join(", "));

/**
 * Every tenant schema holds these tables. The same definition serves two masters:
 * drizzle-kit generates the migration SQL from `pgTable` (unqualified, see tenant-template.ts),
 * and the router builds schema-qualified copies with `pgSchema(name).table` per tenant.
 * There is no tenant id column anywhere: the schema is the boundary.
 */
export function defineTenantTables<TSchema extends string | undefined>(table: PgTableFn<TSchema>) {
  const users = table(
    "users",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      email: text("email").notNull(),
      name: text("name").notNull(),
      role: text("role").$type<UserRole>().notNull(),
      passwordHash: text("password_hash"),
      active: boolean("active").notNull().default(true),
      origin: text("origin").$type<UserOrigin>().notNull().default("provisioning"),
      invitedByUserId: bigint("invited_by_user_id", { mode: "number" }),
      lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
      ...timestamps,
    },
    (t) => [
      uniqueIndex("users_email_key").on(sql`lower(${t.email})`),
      check("users_role_check", sql`${t.role} in (${oneOf(USER_ROLES)})`),
      check("users_origin_check", sql`${t.origin} in (${oneOf(USER_ORIGINS)})`),
    ],
  );

  /** The id is the SHA-256 of the cookie's token, so a database leak does not leak live sessions. */
  const sessions = table(
    "sessions",
    {
      id: text("id").primaryKey(),
      authMethod: text("auth_method").notNull().default("password"),
      ipAddress: text("ip_address"),
      userAgent: text("user_agent"),
      userId: bigint("user_id", { mode: "number" })
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
      lastActiveAt: timestamp("last_active_at", { withTimezone: true }).notNull().defaultNow(),
      expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    },
    (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
  );

  const customers = table(
    "customers",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      name: text("name").notNull(),
      email: text("email").notNull(),
      company: text("company"),
      phone: text("phone"),
      /** Lower-cased name, email and company: what the fuzzy (pg_trgm) customer search matches. */
      searchText: text("search_text")
        .notNull()
        .generatedAlwaysAs((): ReturnType<typeof sql> => sql`lower(name || ' ' || email || ' ' || coalesce(company, ''))`),
      ...timestamps,
    },
    (t) => [
      uniqueIndex("customers_email_key").on(sql`lower(${t.email})`),
      index("customers_search_trgm_idx").using("gin", t.searchText.op("gin_trgm_ops")),
      index("customers_name_idx").on(sql`lower(${t.name})`, t.id),
    ],
  );

  /**
   * The workspace's own statuses, each in one fixed category. Each category's built-in status (key = the
   * category's name) can be renamed but not deactivated: the rules that move a ticket between categories
   * (reopening, leaving new) land on it. Keys never change; the API speaks them.
   */
  const ticketStatuses = table(
    "ticket_statuses",
    {
      key: text("key").primaryKey(),
      category: text("category").$type<StatusCategory>().notNull(),
      agentLabel: text("agent_label").notNull(),
      customerLabel: text("customer_label").notNull(),
      /** Order within the category. */
      position: integer("position").notNull(),
      active: boolean("active").notNull().default(true),
      builtIn: boolean("built_in").notNull().default(false),
      ...timestamps,
    },
    (t) => [
      // What tickets' (status_key, status) foreign key points at: a status never changes category.
      unique("ticket_statuses_key_category_key").on(t.key, t.category),
      uniqueIndex("ticket_statuses_agent_label_key").on(sql`lower(${t.agentLabel})`),
      uniqueIndex("ticket_statuses_built_in_key")
        .on(t.category)
        .where(sql`${t.builtIn}`),
      check("ticket_statuses_category_check", sql`${t.category} in (${oneOf(STATUS_CATEGORIES)})`),
      check("ticket_statuses_key_check", sql`${t.key} ~ '^[a-z][a-z0-9_]{0,39}$'`),
    ],
  );

  const tickets = table(
    "tickets",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      number: integer("number").notNull().generatedAlwaysAsIdentity({ startWith: 1001 }),
      subject: text("subject").notNull(),
      /** The category of the ticket's status (column "status" from before statuses were the workspace's): what every rule reads. */
      statusCategory: text("status").$type<StatusCategory>().notNull().default("open"),
      /** The workspace's status (ticket_statuses.key) the agent chose, within that category. */
      statusKey: text("status_key").notNull().default("open"),
      priority: text("priority").$type<TicketPriority>().notNull().default("normal"),
      channel: text("channel").$type<TicketChannel>().notNull().default("web"),
      customerId: bigint("customer_id", { mode: "number" })
        .notNull()
        .references(() => customers.id),
      assigneeId: bigint("assignee_id", { mode: "number" }).references(() => users.id, { onDelete: "set null" }),
      tags: text("tags")
        .array()
        .notNull()
        .default(sql`'{}'::text[]`),
      /** Bumped on every change: the lost-update guard compares it. */
      version: integer("version").notNull().default(1),
      firstResponseAt: timestamp("first_response_at", { withTimezone: true }),
      solvedAt: timestamp("solved_at", { withTimezone: true }),
      /** When the status category last changed: automations measure "pending for 3 days" from it. */
      statusChangedAt: timestamp("status_changed_at", { withTimezone: true }).notNull().defaultNow(),
      lastCustomerReplyAt: timestamp("last_customer_reply_at", { withTimezone: true }),
      lastAgentReplyAt: timestamp("last_agent_reply_at", { withTimezone: true }),
      /** A workspace-defined portal category, when the customer chose one. */
      category: text("category"),
      /** The portal form's one-time key: a resubmitted form finds its ticket instead of creating another. */
      idempotencyKey: text("idempotency_key"),
      /** Subject (weight A) and every message body (weight B), kept up to date by the ticket commands. */
      searchDocument: tsvector("search_document")
        .notNull()
        .default(sql`''::tsvector`),
      ...timestamps,
    },
    (t) => [
      uniqueIndex("tickets_number_key").on(t.number),
      // Keyset pagination walks these indexes newest first; the id breaks ties between equal timestamps.
      index("tickets_status_updated_idx").on(t.statusCategory, t.updatedAt.desc(), t.id.desc()),
      index("tickets_status_key_updated_idx").on(t.statusKey, t.updatedAt.desc(), t.id.desc()),
      index("tickets_updated_idx").on(t.updatedAt.desc(), t.id.desc()),
      index("tickets_created_idx").on(t.createdAt.desc(), t.id.desc()),
      index("tickets_customer_idx").on(t.customerId, t.updatedAt.desc()),
      index("tickets_assignee_idx").on(t.assigneeId, t.statusCategory, t.updatedAt.desc(), t.id.desc()),
      index("tickets_solved_at_idx").on(t.solvedAt),
      index("tickets_status_changed_idx").on(t.statusCategory, t.statusChangedAt),
      index("tickets_tags_idx").using("gin", t.tags),
      index("tickets_search_idx").using("gin", t.searchDocument),
      uniqueIndex("tickets_idempotency_key")
        .on(t.idempotencyKey)
        .where(sql`${t.idempotencyKey} is not null`),
      check("tickets_status_check", sql`${t.statusCategory} in (${oneOf(STATUS_CATEGORIES)})`),
      foreignKey({
        name: "tickets_status_key_fk",
        columns: [t.statusKey, t.statusCategory],
        foreignColumns: [ticketStatuses.key, ticketStatuses.category],
      }),
      check("tickets_priority_check", sql`${t.priority} in (${oneOf(TICKET_PRIORITIES)})`),
      check("tickets_channel_check", sql`${t.channel} in (${oneOf(TICKET_CHANNELS)})`),
    ],
  );

  const ticketMessages = table(
    "ticket_messages",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      ticketId: bigint("ticket_id", { mode: "number" })
        .notNull()
        .references(() => tickets.id, { onDelete: "cascade" }),
      authorType: text("author_type").$type<AuthorType>().notNull(),
      authorUserId: bigint("author_user_id", { mode: "number" }).references(() => users.id, { onDelete: "set null" }),
      authorCustomerId: bigint("author_customer_id", { mode: "number" }).references(() => customers.id, {
        onDelete: "set null",
      }),
      /** Internal notes are for agents only and never reach a customer. */
      internal: boolean("internal").notNull().default(false),
      body: text("body").notNull(),
      /** An emailed message's HTML, already sanitised with the allowlist; shown to agents in a sandboxed frame. */
      htmlBody: text("html_body"),
      /** The Message-ID of the email this message came from, for threading and de-duplication. */
      emailMessageId: text("email_message_id"),
      inboundEmailId: bigint("inbound_email_id", { mode: "number" }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index("ticket_messages_ticket_idx").on(t.ticketId, t.createdAt),
      index("ticket_messages_email_message_id_idx").on(t.emailMessageId),
      check("ticket_messages_author_type_check", sql`${t.authorType} in (${oneOf(AUTHOR_TYPES)})`),
    ],
  );

  /**
   * Ticket counts per (status, assignee, priority), kept in the same transaction as every ticket change,
   * so the sidebar and the status tabs never count a large table on each request.
   * Unassigned tickets are counted under assignee 0.
   */
  const ticketCounters = table(
    "ticket_counters",
    {
      status: text("status").$type<StatusCategory>().notNull(),
      assigneeId: bigint("assignee_id", { mode: "number" }).notNull(),
      priority: text("priority").$type<TicketPriority>().notNull(),
      count: integer("count").notNull().default(0),
    },
    (t) => [primaryKey({ name: "ticket_counters_pkey", columns: [t.status, t.assigneeId, t.priority] })],
  );

  const activityLogs = table(
    "activity_logs",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      actorType: text("actor_type").$type<AuthorType>().notNull(),
      actorUserId: bigint("actor_user_id", { mode: "number" }).references(() => users.id, { onDelete: "set null" }),
      actorCustomerId: bigint("actor_customer_id", { mode: "number" }).references(() => customers.id, {
        onDelete: "set null",
      }),
      action: text("action").notNull(),
      entityType: text("entity_type").notNull(),
      entityId: bigint("entity_id", { mode: "number" }),
      ticketId: bigint("ticket_id", { mode: "number" }).references(() => tickets.id, { onDelete: "cascade" }),
      changes: jsonb("changes").$type<Record<string, { from: unknown; to: unknown }>>(),
      /** Who acted when it was an automation rather than a person ("Trigger: Escalate VIP"); null otherwise. */
      actorLabel: text("actor_label"),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index("activity_logs_created_idx").on(t.createdAt),
      index("activity_logs_ticket_idx").on(t.ticketId, t.createdAt),
      index("activity_logs_entity_idx").on(t.entityType, t.entityId),
    ],
  );

  /** A customer's portal session; like agents' sessions the id is the SHA-256 of the cookie's token. */
  const customerSessions = table(
    "customer_sessions",
    {
      id: text("id").primaryKey(),
      customerId: bigint("customer_id", { mode: "number" })
        .notNull()
        .references(() => customers.id, { onDelete: "cascade" }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
      lastActiveAt: timestamp("last_active_at", { withTimezone: true }).notNull().defaultNow(),
      expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    },
    (t) => [index("customer_sessions_customer_idx").on(t.customerId), index("customer_sessions_expires_idx").on(t.expiresAt)],
  );

  /** One-time sign-in codes and links for the portal: stored hashed, short-lived, single use. */
  const customerLoginCodes = table(
    "customer_login_codes",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      customerId: bigint("customer_id", { mode: "number" })
        .notNull()
        .references(() => customers.id, { onDelete: "cascade" }),
      codeHash: text("code_hash").notNull(),
      linkTokenHash: text("link_token_hash").notNull(),
      attempts: integer("attempts").notNull().default(0),
      expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
      usedAt: timestamp("used_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [uniqueIndex("customer_login_codes_link_key").on(t.linkTokenHash), index("customer_login_codes_customer_idx").on(t.customerId, t.createdAt)],
  );

  /**
   * The outbox: every email is written here in the transaction of the change that causes it, fully
   * rendered, and sent later by the job queue. `messageId` is fixed at write time so a retry sends the same message.
   */
  const outboundEmails = table(
    "outbound_emails",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      kind: text("kind").notNull(),
      toAddress: text("to_address").notNull(),
      toName: text("to_name"),
      subject: text("subject").notNull(),
      textBody: text("text_body").notNull(),
      htmlBody: text("html_body").notNull(),
      messageId: text("message_id").notNull(),
      inReplyTo: text("in_reply_to"),
      references: text("references")
        .array()
        .notNull()
        .default(sql`'{}'::text[]`),
      ticketId: bigint("ticket_id", { mode: "number" }).references(() => tickets.id, { onDelete: "set null" }),
      ticketMessageId: bigint("ticket_message_id", { mode: "number" }).references(() => ticketMessages.id, { onDelete: "set null" }),
      status: text("status").$type<OutboundEmailStatus>().notNull().default("pending"),
      attempts: integer("attempts").notNull().default(0),
      lastError: text("last_error"),
      /** The RFC 5322 message exactly as the SMTP path would send it (headers and both parts), for the development mailbox. */
      rawSource: text("raw_source"),
      sentAt: timestamp("sent_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      uniqueIndex("outbound_emails_message_id_key").on(t.messageId),
      index("outbound_emails_status_idx").on(t.status, t.id),
      index("outbound_emails_ticket_idx").on(t.ticketId, t.id),
      check("outbound_emails_status_check", sql`${t.status} in (${oneOf(OUTBOUND_EMAIL_STATUSES)})`),
    ],
  );

  /**
   * Every inbound email, stored raw before the SMTP 250 / HTTP 2xx, then parsed by the job queue.
   * `dedupeKey` is the Message-ID, or the SHA-256 of the bytes when there is none: one delivery, one row.
   */
  const inboundEmails = table(
    "inbound_emails",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      dedupeKey: text("dedupe_key").notNull(),
      raw: bytea("raw").notNull(),
      sizeBytes: integer("size_bytes").notNull(),
      receivedVia: text("received_via").$type<"smtp" | "http">().notNull(),
      envelopeFrom: text("envelope_from"),
      envelopeTo: text("envelope_to")
        .array()
        .notNull()
        .default(sql`'{}'::text[]`),
      status: text("status").$type<InboundEmailStatus>().notNull().default("received"),
      failureReason: text("failure_reason"),
      attempts: integer("attempts").notNull().default(0),
      ticketId: bigint("ticket_id", { mode: "number" }).references(() => tickets.id, { onDelete: "set null" }),
      ticketMessageId: bigint("ticket_message_id", { mode: "number" }).references(() => ticketMessages.id, { onDelete: "set null" }),
      /** Auto-replies, bounces and bulk mail: recorded, never answered by our notifications. */
      automated: boolean("automated").notNull().default(false),
      receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
      processedAt: timestamp("processed_at", { withTimezone: true }),
    },
    (t) => [
      uniqueIndex("inbound_emails_dedupe_key").on(t.dedupeKey),
      index("inbound_emails_status_idx").on(t.status, t.id),
      check("inbound_emails_status_check", sql`${t.status} in (${oneOf(INBOUND_EMAIL_STATUSES)})`),
    ],
  );

  /** Files that came with a message. Stored in the database under a generated id; the name is only displayed. */
  const messageAttachments = table(
    "message_attachments",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      ticketMessageId: bigint("ticket_message_id", { mode: "number" })
        .notNull()
        .references(() => ticketMessages.id, { onDelete: "cascade" }),
      filename: text("filename").notNull(),
      contentType: text("content_type").notNull(),
      sizeBytes: integer("size_bytes").notNull(),
      sha256: text("sha256").notNull(),
      content: bytea("content").notNull(),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [index("message_attachments_message_idx").on(t.ticketMessageId)],
  );

  /** The portal's branding and request categories; one row at most. */
  const portalSettings = table(
    "portal_settings",
    {
      singleton: boolean("singleton").primaryKey().default(true),
      logoUrl: text("logo_url"),
      accentColor: text("accent_color"),
      categories: text("categories")
        .array()
        .notNull()
        .default(sql`'{}'::text[]`),
      updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [check("portal_settings_singleton_check", sql`${t.singleton}`)],
  );

  const invites = table(
    "invites",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      email: text("email").notNull(),
      role: text("role").$type<UserRole>().notNull(),
      tokenHash: text("token_hash").notNull(),
      invitedByUserId: bigint("invited_by_user_id", { mode: "number" }).references(() => users.id, { onDelete: "set null" }),
      expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
      acceptedAt: timestamp("accepted_at", { withTimezone: true }),
      revokedAt: timestamp("revoked_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      uniqueIndex("invites_token_hash_key").on(t.tokenHash),
      index("invites_email_idx").on(sql`lower(${t.email})`),
      check("invites_role_check", sql`${t.role} in (${oneOf(USER_ROLES)})`),
    ],
  );

  const apiTokens = table(
    "api_tokens",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      userId: bigint("user_id", { mode: "number" })
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      name: text("name").notNull(),
      tokenHash: text("token_hash").notNull(),
      /** The first characters of the token, shown in lists so a user can tell tokens apart. */
      tokenPrefix: text("token_prefix").notNull(),
      lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
      lastUsedIp: text("last_used_ip"),
      /** Optional: the token stops working at this moment. */
      expiresAt: timestamp("expires_at", { withTimezone: true }),
      revokedAt: timestamp("revoked_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [uniqueIndex("api_tokens_token_hash_key").on(t.tokenHash), index("api_tokens_user_idx").on(t.userId)],
  );

  /** A forgotten password's single-use reset link; only the token's SHA-256 is stored. */
  const passwordResets = table(
    "password_resets",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      userId: bigint("user_id", { mode: "number" })
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      tokenHash: text("token_hash").notNull(),
      expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
      usedAt: timestamp("used_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [uniqueIndex("password_resets_token_hash_key").on(t.tokenHash), index("password_resets_user_idx").on(t.userId)],
  );

  /** A member's new sign-in email, waiting for the single-use link sent to it; only the token's SHA-256 is stored. */
  const emailChanges = table(
    "email_changes",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      userId: bigint("user_id", { mode: "number" })
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      newEmail: text("new_email").notNull(),
      tokenHash: text("token_hash").notNull(),
      expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
      confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
      cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [uniqueIndex("email_changes_token_hash_key").on(t.tokenHash), index("email_changes_user_idx").on(t.userId)],
  );

  const ssoIdentities = table(
    "sso_identities",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      userId: bigint("user_id", { mode: "number" })
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      issuer: text("issuer").notNull(),
      subject: text("subject").notNull(),
      email: text("email"),
      lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [uniqueIndex("sso_identities_issuer_subject_key").on(t.issuer, t.subject), index("sso_identities_user_idx").on(t.userId)],
  );

  /** The workspace's OpenID Connect provider; one row at most. The client secret is stored encrypted. */
  const ssoSettings = table(
    "sso_settings",
    {
      singleton: boolean("singleton").primaryKey().default(true),
      enabled: boolean("enabled").notNull().default(false),
      issuer: text("issuer").notNull(),
      clientId: text("client_id").notNull(),
      clientSecretEncrypted: text("client_secret_encrypted").notNull(),
      autoCreateUsers: boolean("auto_create_users").notNull().default(false),
      allowedDomains: text("allowed_domains")
        .array()
        .notNull()
        .default(sql`'{}'::text[]`),
      updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [check("sso_settings_singleton_check", sql`${t.singleton}`)],
  );

  /** Business hours (issue 13): a time zone, weekly periods and holidays; at most one is the default. */
  const businessSchedules = table(
    "business_schedules",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      name: text("name").notNull(),
      timeZone: text("time_zone").notNull(),
      /** `{ weekday: 1–7 (ISO), start: "HH:MM", end: "HH:MM" }[]`, validated by business-hours-schema.ts. */
      periods: jsonb("periods").$type<BusinessPeriodRow[]>().notNull(),
      holidays: jsonb("holidays").$type<HolidayRow[]>().notNull(),
      isDefault: boolean("is_default").notNull().default(false),
      ...timestamps,
    },
    (t) => [
      uniqueIndex("business_schedules_name_key").on(sql`lower(${t.name})`),
      uniqueIndex("business_schedules_one_default")
        .on(t.isDefault)
        .where(sql`${t.isDefault}`),
    ],
  );

  /**
   * A member's TOTP two-factor (RFC 6238). The secret is sealed with the deployment's SESSION_SECRET
   * (auth/secret-box.server.ts); confirmedAt is null while enrolment waits for the first code.
   * lastUsedStep refuses a code's replay: a step at or before it is never accepted again.
   */
  const memberTotp = table("member_totp", {
    userId: bigint("user_id", { mode: "number" })
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    sealedSecret: text("sealed_secret").notNull(),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    lastUsedStep: bigint("last_used_step", { mode: "number" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  });

  /** Single-use recovery codes, stored as SHA-256 hashes; a new set replaces the old one. */
  const memberRecoveryCodes = table(
    "member_recovery_codes",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      userId: bigint("user_id", { mode: "number" })
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      codeHash: text("code_hash").notNull(),
      usedAt: timestamp("used_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [uniqueIndex("member_recovery_codes_user_hash_key").on(t.userId, t.codeHash)],
  );

  /**
   * Macros: a name, an optional reply or note body with placeholders, and property actions. Shared by
   * the workspace (ownerUserId null) or one agent's own.
   */
  const macros = table(
    "macros",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      name: text("name").notNull(),
      ownerUserId: bigint("owner_user_id", { mode: "number" }).references(() => users.id, { onDelete: "cascade" }),
      /** "reply" or "note" when the macro writes in the composer; null when it only sets properties. */
      bodyKind: text("body_kind").$type<"reply" | "note">(),
      body: text("body"),
      /** { status?: key, priority?, assigneeId?: number | null, addTags?: string[], removeTags?: string[] } */
      actions: jsonb("actions")
        .$type<Record<string, unknown>>()
        .notNull()
        .default(sql`'{}'::jsonb`),
      usageCount: integer("usage_count").notNull().default(0),
      lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
      ...timestamps,
    },
    (t) => [
      // One name per owner (and one among the shared ones), in any case.
      uniqueIndex("macros_owner_name_key").on(sql`coalesce(${t.ownerUserId}, 0)`, sql`lower(${t.name})`),
      index("macros_usage_idx").on(t.usageCount.desc()),
      check("macros_body_kind_check", sql`${t.bodyKind} is null or ${t.bodyKind} in ('reply', 'note')`),
    ],
  );

  /**
   * Outbound webhooks: an endpoint and the events it wants. The signing secret (Standard Webhooks'
   * whsec_…) is sealed with SESSION_SECRET, since the admin reads it back to configure the receiver.
   */
  const webhooks = table(
    "webhooks",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      url: text("url").notNull(),
      description: text("description").notNull().default(""),
      events: text("events").array().notNull(),
      sealedSecret: text("sealed_secret").notNull(),
      active: boolean("active").notNull().default(true),
      /** Why the webhook was switched off by Conductor (sustained failure); null when an admin did it or it is on. */
      disabledReason: text("disabled_reason"),
      ...timestamps,
    },
    (t) => [index("webhooks_active_idx").on(t.active)],
  );

  /**
   * Each event to each webhook: written in the transaction of the change (the durable outbox), sent
   * by the `deliver_webhook` job with retries, and kept as the webhook's delivery log.
   */
  const webhookDeliveries = table(
    "webhook_deliveries",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      webhookId: bigint("webhook_id", { mode: "number" })
        .notNull()
        .references(() => webhooks.id, { onDelete: "cascade" }),
      /** Standard Webhooks' webhook-id: the same on every attempt, so receivers can de-duplicate. */
      messageId: text("message_id").notNull(),
      event: text("event").notNull(),
      payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
      status: text("status").$type<"pending" | "delivered" | "failed">().notNull().default("pending"),
      attempts: integer("attempts").notNull().default(0),
      lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
      responseStatus: integer("response_status"),
      durationMs: integer("duration_ms"),
      /** The start of the response body (at most 2 KB) or what went wrong. */
      responseExcerpt: text("response_excerpt"),
      lastError: text("last_error"),
      deliveredAt: timestamp("delivered_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index("webhook_deliveries_webhook_idx").on(t.webhookId, t.id.desc()),
      uniqueIndex("webhook_deliveries_message_id_key").on(t.messageId),
      check("webhook_deliveries_status_check", sql`${t.status} in ('pending', 'delivered', 'failed')`),
    ],
  );

  /**
   * Triggers (issue 14 item 2): rules run in `position` order inside the transaction of the ticket change
   * that fires them. Conditions and actions are validated by app/triggers/trigger-schema.ts.
   */
  const triggers = table(
    "triggers",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      name: text("name").notNull(),
      position: integer("position").notNull(),
      active: boolean("active").notNull().default(true),
      /** ticket_created, ticket_updated, customer_replied, agent_replied. */
      events: text("events").array().notNull(),
      /** "all": every condition must hold; "any": one is enough. */
      match: text("match").$type<"all" | "any">().notNull().default("all"),
      conditions: jsonb("conditions")
        .$type<unknown[]>()
        .notNull()
        .default(sql`'[]'::jsonb`),
      actions: jsonb("actions")
        .$type<unknown[]>()
        .notNull()
        .default(sql`'[]'::jsonb`),
      ...timestamps,
    },
    (t) => [
      uniqueIndex("triggers_name_key").on(sql`lower(${t.name})`),
      index("triggers_position_idx").on(t.position),
      check("triggers_match_check", sql`${t.match} in ('all', 'any')`),
      check(
        "triggers_events_check",
        sql`${t.events} <@ array['ticket_created', 'ticket_updated', 'customer_replied', 'agent_replied']::text[] and cardinality(${t.events}) > 0`,
      ),
    ],
  );

  /** Time-based rules, run by a job every few minutes over tickets matching their time conditions. */
  const automations = table(
    "automations",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      name: text("name").notNull(),
      position: integer("position").notNull(),
      active: boolean("active").notNull().default(false),
      match: text("match").$type<"all" | "any">().notNull().default("all"),
      conditions: jsonb("conditions")
        .$type<unknown[]>()
        .notNull()
        .default(sql`'[]'::jsonb`),
      actions: jsonb("actions")
        .$type<unknown[]>()
        .notNull()
        .default(sql`'[]'::jsonb`),
      ...timestamps,
    },
    (t) => [
      uniqueIndex("automations_name_key").on(sql`lower(${t.name})`),
      index("automations_position_idx").on(t.position),
      check("automations_match_check", sql`${t.match} in ('all', 'any')`),
    ],
  );

  /** An automation fired on a ticket for one qualifying period (the moment its time condition started counting). */
  const automationRuns = table(
    "automation_runs",
    {
      automationId: bigint("automation_id", { mode: "number" })
        .notNull()
        .references(() => automations.id, { onDelete: "cascade" }),
      ticketId: bigint("ticket_id", { mode: "number" })
        .notNull()
        .references(() => tickets.id, { onDelete: "cascade" }),
      periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
      ranAt: timestamp("ran_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.automationId, t.ticketId, t.periodStart] }), index("automation_runs_ticket_idx").on(t.ticketId)],
  );

  /** Workspace sign-in policy, set by admins on /settings/security; no row means the defaults. */
  const securitySettings = table(
    "security_settings",
    {
      singleton: boolean("singleton").primaryKey().default(true),
      /** off, admins (admins must use two-factor), everyone. */
      requireTwoFactor: text("require_two_factor").$type<"off" | "admins" | "everyone">().notNull().default("off"),
      /** Ask for the second factor after an SSO sign-in too. */
      twoFactorAfterSso: boolean("two_factor_after_sso").notNull().default(false),
      /** Within the deployment's maximums; null means the deployment's value. */
      sessionIdleMinutes: integer("session_idle_minutes"),
      sessionMaxHours: integer("session_max_hours"),
      allowedSignInMethods: text("allowed_sign_in_methods")
        .array()
        .notNull()
        .default(sql`array['password', 'sso', 'passkey']::text[]`),
      updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      check("security_settings_singleton_check", sql`${t.singleton}`),
      check("security_settings_require_check", sql`${t.requireTwoFactor} in ('off', 'admins', 'everyone')`),
      check(
        "security_settings_methods_check",
        sql`${t.allowedSignInMethods} <@ array['password', 'sso', 'passkey']::text[] and cardinality(${t.allowedSignInMethods}) > 0`,
      ),
      check("security_settings_idle_check", sql`${t.sessionIdleMinutes} is null or ${t.sessionIdleMinutes} > 0`),
      check("security_settings_max_check", sql`${t.sessionMaxHours} is null or ${t.sessionMaxHours} > 0`),
    ],
  );

  /** WebAuthn credentials (passkeys) a member registered; the relying party is the workspace's host. */
  const memberPasskeys = table(
    "member_passkeys",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      userId: bigint("user_id", { mode: "number" })
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      /** base64url, as the browser reports it. */
      credentialId: text("credential_id").notNull(),
      publicKey: bytea("public_key").notNull(),
      signCount: bigint("sign_count", { mode: "number" }).notNull().default(0),
      transports: text("transports")
        .array()
        .notNull()
        .default(sql`'{}'::text[]`),
      deviceType: text("device_type").notNull().default("singleDevice"),
      backedUp: boolean("backed_up").notNull().default(false),
      name: text("name").notNull(),
      lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [uniqueIndex("member_passkeys_credential_key").on(t.credentialId), index("member_passkeys_user_idx").on(t.userId)],
  );

  /**
   * Security-relevant events for admins (/settings/audit). Append-only: the application has no update or
   * delete path and a trigger (migration 0013) refuses both; member ids carry no foreign key so that
   * removing a member never rewrites the record.
   */
  const auditEvents = table(
    "audit_events",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull().defaultNow(),
      event: text("event").notNull(),
      actorUserId: bigint("actor_user_id", { mode: "number" }),
      /** Who acted, as shown at the time (name and email, or "Conductor" for the system). */
      actorLabel: text("actor_label").notNull(),
      targetUserId: bigint("target_user_id", { mode: "number" }),
      targetLabel: text("target_label"),
      ipAddress: text("ip_address"),
      userAgent: text("user_agent"),
      details: jsonb("details")
        .$type<Record<string, unknown>>()
        .notNull()
        .default(sql`'{}'::jsonb`),
    },
    (t) => [
      index("audit_events_occurred_idx").on(t.occurredAt.desc(), t.id.desc()),
      index("audit_events_event_idx").on(t.event, t.occurredAt.desc()),
      index("audit_events_actor_idx").on(t.actorUserId, t.occurredAt.desc()),
      index("audit_events_target_idx").on(t.targetUserId, t.occurredAt.desc()),
    ],
  );

  /** SLA policies, tried in `position` order: the first whose conditions match a ticket applies. */
  const slaPolicies = table(
    "sla_policies",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      name: text("name").notNull(),
      position: integer("position").notNull(),
      active: boolean("active").notNull().default(true),
      /** Every listed condition must hold; an empty list matches any value. */
      conditions: jsonb("conditions").$type<SlaConditionsRow>().notNull(),
      /** Minutes per priority and metric (first reply, next reply, resolution); an absent one has no target. */
      targets: jsonb("targets").$type<SlaTargetsRow>().notNull(),
      /** Business hours the targets are measured in; null means calendar hours. */
      scheduleId: bigint("schedule_id", { mode: "number" }).references(() => businessSchedules.id, { onDelete: "restrict" }),
      /** How long before a target falls due the assignee is warned. */
      warnBeforeMinutes: integer("warn_before_minutes").notNull().default(30),
      /** Statuses during which the resolution clock pauses. */
      pausedStatuses: text("paused_statuses")
        .array()
        .notNull()
        .default(sql`'{pending,on_hold}'::text[]`),
      ...timestamps,
    },
    (t) => [uniqueIndex("sla_policies_name_key").on(sql`lower(${t.name})`), index("sla_policies_position_idx").on(t.position)],
  );

  /**
   * What the SLA clocks are computed from (app/service-levels/ticket-sla.server.ts): appended in the
   * transaction of each ticket change, never edited, so a verdict can always be recomputed.
   */
  const ticketSlaEvents = table(
    "ticket_sla_events",
    {
      id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      ticketId: bigint("ticket_id", { mode: "number" })
        .notNull()
        .references(() => tickets.id, { onDelete: "cascade" }),
      type: text("type").$type<SlaEventType>().notNull(),
      at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
      /** The status (ticket_created, status_changed) or the policy snapshot in force from then (policy_changed). */
      data: jsonb("data").$type<Record<string, unknown>>(),
    },
    (t) => [
      index("ticket_sla_events_ticket_idx").on(t.ticketId, t.at, t.id),
      check("ticket_sla_events_type_check", sql`${t.type} in (${oneOf(SLA_EVENT_TYPES)})`),
    ],
  );

  /** Each ticket's SLA as last computed from its events: what the list sorts by and the breach job scans. */
  const ticketSlas = table(
    "ticket_slas",
    {
      ticketId: bigint("ticket_id", { mode: "number" })
        .primaryKey()
        .references(() => tickets.id, { onDelete: "cascade" }),
      policyId: bigint("policy_id", { mode: "number" }).references(() => slaPolicies.id, { onDelete: "set null" }),
      policyName: text("policy_name"),
      /** The computed clocks (sla-clock.ts SlaResult, dates as ISO strings). */
      clocks: jsonb("clocks").$type<Record<string, unknown>>().notNull(),
      /** The earliest due instant of a running clock; null when none runs. */
      nextBreachAt: timestamp("next_breach_at", { withTimezone: true }),
      /** When the alert job next has something to say (a warning or a breach not yet recorded); null when nothing is pending. */
      nextAlertAt: timestamp("next_alert_at", { withTimezone: true }),
      computedAt: timestamp("computed_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index("ticket_slas_next_breach_idx")
        .on(t.nextBreachAt)
        .where(sql`${t.nextBreachAt} is not null`),
      index("ticket_slas_next_alert_idx")
        .on(t.nextAlertAt)
        .where(sql`${t.nextAlertAt} is not null`),
      // The dashboard's SLA achievement reads the clocks recomputed in the last 14 days.
      index("ticket_slas_computed_idx").on(t.computedAt),
    ],
  );

  /** Each warning and breach the alert job recorded, once per clock (and per next-reply cycle). */
  const ticketSlaAlerts = table(
    "ticket_sla_alerts",
    {
      ticketId: bigint("ticket_id", { mode: "number" })
        .notNull()
        .references(() => tickets.id, { onDelete: "cascade" }),
      metric: text("metric").notNull(),
      cycle: integer("cycle").notNull(),
      kind: text("kind").$type<"warning" | "breach">().notNull(),
      dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
      recordedAt: timestamp("recorded_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ name: "ticket_sla_alerts_pkey", columns: [t.ticketId, t.metric, t.cycle, t.kind] }),
      check("ticket_sla_alerts_kind_check", sql`${t.kind} in ('warning', 'breach')`),
    ],
  );

  return {
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
    webhooks,
    webhookDeliveries,
    triggers,
    automations,
    automationRuns,
    securitySettings,
    memberPasskeys,
    auditEvents,
  };
}

export type TenantTables = ReturnType<typeof defineTenantTables<string>>;

/** Unqualified copies, used only by drizzle-kit to generate tenant migrations. */
export const templateTables = () => defineTenantTables(pgTable);
