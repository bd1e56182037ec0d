// bench:agent's workload: a help desk's year of tickets, generated set-based in PostgreSQL
// (insert … select … from generate_series), reproducibly (setseed) on one connection.
import { sql, type SQL } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { indexBulkLoadedTickets } from "../../app/tickets/ticket-bulk-load.server";
import { tenantTables } from "../../db/tenant-schema";
import type { TenantTables } from "../../db/tenant-tables";
import type { TenantRecord } from "../../tenancy/tenant-record";

export type TenantScale = {
  tickets: number;
  customers: number;
  /** Active agents besides the admin; one deactivated former member comes on top. */
  agents: number;
  /** Messages per ticket on average (each ticket has 1 … 2n-1, uniformly). */
  messagesPerTicket: number;
  /** Rows per statement for tickets and messages, and the number of activity slices: progress granularity. */
  chunk: number;
};

export type Member = { id: number; name: string; email: string };
export type SeededTenant = { viewer: Member; members: Member[] };
export type SeedProgress = (step: string, done: number, total: number) => void;

const FIRST_NAMES =
  "Ada Ben Chloe Daniel Emma Felix Grace Hugo Ines Jonas Kara Liam Mia Noah Olivia Pablo Quinn Rosa Sam Tara Umar Vera Will Xenia Yusuf Zoe Aaron Bianca Carlos Dana Elif Farah Gustav Hana Ivan Julia Kenji Lena Marco Nora".split(
    " ",
  );
const LAST_NAMES =
  "Smith Jones Garcia Müller Rossi Dubois Kowalski Novak Silva Tanaka Kim Nguyen Cohen Larsen Berg Costa Fischer Weber Moreau Ivanova Patel Singh Brown Wilson Taylor Clark Lewis Walker Young King Wright Hill Green Adams Baker Nelson Carter Mitchell Perez Roberts".split(
    " ",
  );
const COMPANIES =
  "Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Wonka Tyrell Cyberdyne Soylent Aperture Gringotts Monarch Oscorp Pied-Piper Prestige Sirius Virtucon Zorg Nakatomi Dunder-Mifflin Bluth Gekko Krusty Massive-Dynamic Oceanic Paper-Street Rekall".split(
    " ",
  );
const DOMAINS = ["example.com", "example.org", "example.net", "mail.test", "corp.test"];
const SUBJECTS = [
  "Cannot log in to my account",
  "Invoice shows the wrong amount",
  "How do I export my data?",
  "Order arrived damaged",
  "Password reset email never arrives",
  "Feature request: dark mode",
  "Charged twice this month",
  "App crashes when uploading a photo",
  "Change the email on my account",
  "Shipping to Canada?",
  "Refund for cancelled subscription",
  "Two-factor codes are rejected",
  "API returns 500 on /orders",
  "Add a teammate to our plan",
  "Delivery is a week late",
  "Where can I download my receipts?",
  "Sync with Google Calendar stopped",
  "Discount code not applied",
  "Please close my account",
  "Slow dashboard since yesterday",
  "Webhook deliveries failing",
  "Wrong VAT on the invoice",
  "Cannot change my plan",
  "Tracking number does not work",
  "Import from CSV skips rows",
  "SSO login loops back to the start",
  "Mobile app shows a blank screen",
  "Need a copy of the contract",
  "Items missing from my order",
  "Upgrade to the annual plan",
];
const OPENERS = ["Hello,", "Hi there,", "Good morning,", "Hi team,", "Dear support,", "Hey,", "Hello again,", "Hi,"];
const CUSTOMER_LINES = [
  "I tried again this morning and it still does not work.",
  "Could you please look into this? It is blocking our whole team.",
  "This started right after the last update and nothing we changed on our side explains it.",
  "Attached is a screenshot of what I see on my screen.",
  "We have a deadline on Friday, so a quick answer would really help.",
  "Any news on this? We are still waiting on it.",
  "I followed the steps from your help center article but the problem is the same.",
  "It works on my phone but not on my laptop, which is strange.",
  "Our finance department needs this sorted before the end of the month.",
  "Thanks for the quick reply! One more question though.",
  "The same thing happened to two of my colleagues today.",
  "I have cleared the cache and tried another browser, with no luck.",
];
const AGENT_LINES = [
  "Thanks for reaching out! I am looking into this now.",
  "Could you tell me which browser and version you are using?",
  "I have escalated this to our engineering team and will update you shortly.",
  "Good news: this is fixed on our side. Can you try again?",
  "I have issued the refund; it should appear within 5 business days.",
  "Happy to help. Is there anything else I can do for you?",
  "I can see the problem in our logs and I am working on a fix with the team.",
  "Could you send me the order number so I can check the shipment?",
  "I have updated the invoice and sent you a corrected copy by email.",
  "That setting lives under Settings, then Billing, near the bottom of the page.",
];
const SIGN_OFFS = [
  "Best regards, the support team",
  "Kind regards,\nSupport",
  "Cheers, and have a good day!",
  "Thanks for your patience.",
  "Let me know if that helps.",
];
const NOTES = [
  "Checked the logs, looks like the same issue as last week.",
  "Customer is on the enterprise plan, keep them posted daily.",
  "Waiting on engineering, ticket linked in the tracker.",
  "Refund approved by the team lead.",
  "Possible duplicate, check with the billing team.",
  "VIP account, handle with care.",
];
const TAGS = ["billing", "bug", "account", "shipping", "feature-request", "vip", "refund", "login", "api", "mobile", "invoice", "onboarding"];

const textArray = (values: readonly string[]) => sql`${sql.param(values)}::text[]`;

/**
 * Fills a freshly provisioned tenant: members, customers, tickets over the last 365 days in every
 * status, priority and channel, their messages and activity, then the search documents and counters.
 * The caller runs VACUUM ANALYZE afterwards.
 */
export async function seedTenant(client: pg.PoolClient, tenant: TenantRecord, scale: TenantScale, progress: SeedProgress = () => {}): Promise<SeededTenant> {
  // The settings last for this connection only, and are reset before it goes back to its pool.
  await client.query("SET synchronous_commit = off; SET work_mem = '64MB'; SELECT setseed(0.4242)");
  try {
    return await seed(client, tenant, scale, progress);
  } finally {
    await client.query("RESET synchronous_commit; RESET work_mem");
  }
}

async function seed(client: pg.PoolClient, tenant: TenantRecord, scale: TenantScale, progress: SeedProgress): Promise<SeededTenant> {
  const db = drizzle(client);
  const t = tenantTables(tenant.schemaName);

  const members = await insertMembers(db, t, tenant.slug, scale.agents);
  await db.execute(customersSql(t, scale.customers));
  progress("customers", scale.customers, scale.customers);
  const customerIds = (await db.execute<{ min: string }>(sql`select min(id) as min from ${t.customers}`)).rows[0]!;

  const assignable = members.filter((member) => member.active).map((member) => member.id);
  const former = members.find((member) => !member.active)!.id;
  for (let lo = 1; lo <= scale.tickets; lo += scale.chunk) {
    const hi = Math.min(scale.tickets, lo + scale.chunk - 1);
    await db.execute(
      ticketsSql(t, { lo, hi, total: scale.tickets, customerMin: Number(customerIds.min), customers: scale.customers, agents: [...assignable, former] }),
    );
    progress("tickets", hi, scale.tickets);
  }

  const { min, max } = (await db.execute<{ min: string; max: string }>(sql`select min(id) as min, max(id) as max from ${t.tickets}`)).rows[0]!;
  const [firstId, lastId] = [Number(min), Number(max)];
  for (let lo = firstId; lo <= lastId; lo += scale.chunk) {
    const hi = Math.min(lastId, lo + scale.chunk - 1);
    await db.execute(messagesSql(t, lo, hi, scale.messagesPerTicket));
    progress("messages (tickets done)", hi - firstId + 1, lastId - firstId + 1);
  }

  // Activity in time slices, each in time order, so ids ascend with time as they do in real use.
  const slices = Math.ceil(scale.tickets / scale.chunk);
  for (let slice = 0; slice < slices; slice++) {
    await db.execute(activitySql(t, slice, slices));
    progress("activity (slices)", slice + 1, slices);
  }

  await db.execute(ticketSlasSql(t));
  progress("SLA clocks", scale.tickets, scale.tickets);

  progress("search documents and counters", 0, 1);
  await indexBulkLoadedTickets(db, t);
  progress("search documents and counters", 1, 1);

  const viewer = members.find((member) => member.active && member.role === "agent")!;
  return { viewer: { id: viewer.id, name: viewer.name, email: viewer.email }, members: members.map(({ id, name, email }) => ({ id, name, email })) };
}

async function insertMembers(db: NodePgDatabase<Record<string, never>>, t: TenantTables, slug: string, agents: number) {
  const person = (i: number) => `${FIRST_NAMES[(i * 7) % FIRST_NAMES.length]} ${LAST_NAMES[(i * 11) % LAST_NAMES.length]}`;
  const rows = [
    ...Array.from({ length: agents }, (_, i) => ({ name: person(i), role: "agent" as const, active: true })),
    { name: "Ada Admin", role: "admin" as const, active: true },
    { name: person(agents), role: "agent" as const, active: false },
  ].map((row, i) => ({ ...row, email: `${row.name.toLowerCase().replace(/[^a-z]+/g, ".")}.${i}@${slug}.test`, origin: "invite" as const }));
  return db.insert(t.users).values(rows).returning({ id: t.users.id, name: t.users.name, email: t.users.email, role: t.users.role, active: t.users.active });
}

function customersSql(t: TenantTables, count: number): SQL {
  return sql`
    with names as (select ${textArray(FIRST_NAMES)} as first, ${textArray(LAST_NAMES)} as last, ${textArray(COMPANIES)} as companies, ${textArray(DOMAINS)} as domains)
    insert into ${t.customers} (name, email, company, phone, created_at, updated_at)
    select first[1 + i % cardinality(first)] || ' ' || last[1 + (i / cardinality(first)) % cardinality(last)],
           lower(first[1 + i % cardinality(first)] || '.' || last[1 + (i / cardinality(first)) % cardinality(last)]) || '.' || i || '@' || domains[1 + (i * 7) % cardinality(domains)],
           case when r_company < 0.65 then companies[1 + floor(r_pick * cardinality(companies))::int] end,
           case when r_phone < 0.4 then '+1 555 ' || lpad((i % 10000)::text, 4, '0') end,
           joined, joined
    from (select i, random() as r_company, random() as r_pick, random() as r_phone, now() - random() * interval '730 days' as joined
          from generate_series(1, ${count}::int) as i) g, names`;
}

type TicketChunk = { lo: number; hi: number; total: number; customerMin: number; customers: number; agents: number[] };

/**
 * Tickets lo … hi of `total`, created in order over the last 365 days. Status depends on age (recent
 * tickets are mostly open, old ones closed); about a third of open tickets are unassigned; the
 * first agent (the bench's viewer) is the busiest, the last id is a deactivated former member.
 */
function ticketsSql(t: TenantTables, { lo, hi, total, customerMin, customers, agents }: TicketChunk): SQL {
  return sql`
    with pools as (select ${textArray(SUBJECTS)} as subjects, ${textArray(TAGS)} as tags, ${sql.param(agents)}::bigint[] as agents),
    g as (
      select i,
        least(now() - interval '2 minutes', now() - interval '365 days' + ((i - 0.5) / ${total}::float8) * interval '365 days' + (random() - 0.5) * interval '20 minutes') as created_at,
        random() as r_status, random() as r_priority, random() as r_channel, random() as r_assign, random() as r_agent,
        random() as r_tags, random() as r_tag1, random() as r_tag2, random() as r_first, random() as r_solve, random() as r_update,
        random() as r_customer, random() as r_subject, random() as r_suffix
      from generate_series(${lo}::int, ${hi}::int) as i
    ),
    s as (
      select g.*, case
          when created_at > now() - interval '7 days' then
            case when r_status < .40 then 'open' when r_status < .60 then 'pending' when r_status < .65 then 'on_hold' when r_status < .95 then 'solved' else 'closed' end
          when created_at > now() - interval '30 days' then
            case when r_status < .15 then 'open' when r_status < .25 then 'pending' when r_status < .30 then 'on_hold' when r_status < .75 then 'solved' else 'closed' end
          else
            case when r_status < .03 then 'open' when r_status < .05 then 'pending' when r_status < .07 then 'on_hold' when r_status < .30 then 'solved' else 'closed' end
        end as status
      from g
    ),
    a as (
      select s.*, case
          when status = 'open' and r_assign < .35 then null
          when r_assign > .985 then agents[cardinality(agents)]
          else agents[1 + floor(power(r_agent, 1.4) * (cardinality(agents) - 1))::int]
        end as assignee_id
      from s, pools
    ),
    f as (
      select a.*, case when assignee_id is not null and created_at + exp(r_first * ln(2880)) * interval '1 minute' < now()
                       then created_at + exp(r_first * ln(2880)) * interval '1 minute' end as first_response_at
      from a
    ),
    v as (
      select f.*, case when status in ('solved', 'closed')
                       then least(now() - interval '1 minute', coalesce(first_response_at, created_at) + exp(r_solve * ln(20160)) * interval '1 minute') end as solved_at
      from f
    )
    insert into ${t.tickets} (subject, status, status_key, priority, channel, customer_id, assignee_id, tags, version, first_response_at, solved_at, created_at, updated_at)
    select subjects[1 + floor(r_subject * cardinality(subjects))::int] || case when r_suffix < .4 then ' (order #' || (100000 + (i * 7919) % 900000) || ')' else '' end,
           status,
           status,
           case when r_priority < .20 then 'low' when r_priority < .70 then 'normal' when r_priority < .92 then 'high' else 'urgent' end,
           case when r_channel < .45 then 'email' when r_channel < .70 then 'web' when r_channel < .85 then 'portal' when r_channel < .95 then 'phone' else 'api' end,
           ${customerMin}::bigint + floor(power(r_customer, 1.6) * ${customers}::int)::bigint,
           assignee_id,
           case when r_tags < .4 then '{}'::text[]
                when r_tags < .8 then array[tags[1 + floor(r_tag1 * cardinality(tags))::int]]
                else array[tags[1 + floor(r_tag1 * cardinality(tags))::int],
                           tags[1 + (floor(r_tag1 * cardinality(tags))::int + 1 + floor(r_tag2 * (cardinality(tags) - 1))::int) % cardinality(tags)]] end,
           1 + floor(r_update * 4)::int,
           first_response_at,
           solved_at,
           created_at,
           case when status = 'solved' then solved_at
                when status = 'closed' then least(now(), solved_at + interval '4 days')
                else least(now(), coalesce(first_response_at, created_at) + r_update * 0.5 * (now() - coalesce(first_response_at, created_at))) end
    from v, pools
    order by i`;
}

/** Calendar-hour targets per priority in minutes (first reply, resolution), as a typical "Standard" policy sets them. */
const SLA_TARGETS = { urgent: [30, 240], high: [60, 480], normal: [240, 1440], low: [480, 2880] } as const;

/**
 * Every ticket's SLA row as ticket-sla.server.ts would keep it under one calendar-hours policy, in
 * one statement: first reply stops at the first response (or the solve), resolution at the solve
 * and pauses while pending or on hold; next_breach_at is the earliest due time of a running clock,
 * in the past for the old open tickets that ran over, as on a real desk.
 */
function ticketSlasSql(t: TenantTables): SQL {
  const targets = sql.join(
    Object.entries(SLA_TARGETS).map(([priority, [firstReply, resolution]]) => sql`(${priority}::text, ${firstReply}::int, ${resolution}::int)`),
    sql`, `,
  );
  const iso = (value: SQL) => sql`to_char(${value} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const clock = (metric: string, phase: SQL, target: SQL, due: SQL, stop: SQL) => {
    const late = sql`coalesce(${stop}, now()) > ${due}`;
    return sql`jsonb_build_object(
      'metric', ${metric}::text, 'phase', ${phase}, 'targetMinutes', ${target}, 'startedAt', ${iso(sql`created_at`)},
      'state', case when ${late} then 'breached' when ${phase} = 'stopped' then 'achieved' else ${phase} end,
      'dueAt', case when ${phase} = 'running' or ${late} then ${iso(due)} end,
      'breachedAt', case when ${late} then ${iso(due)} end,
      'completedAt', ${iso(stop)},
      'elapsedMinutes', extract(epoch from coalesce(${stop}, now()) - created_at) / 60,
      'remainingMinutes', case when ${phase} <> 'stopped' then greatest(0, extract(epoch from ${due} - now()) / 60) end,
      'minutesEarly', case when ${phase} = 'stopped' and not ${late} then floor(extract(epoch from ${due} - ${stop}) / 60) end,
      'minutesLate', case when ${late} then ceil(extract(epoch from coalesce(${stop}, now()) - ${due}) / 60) end)`;
  };
  return sql`
    with targets (priority, first_reply, resolution) as (values ${targets}),
    c as (
      select tk.id, tk.created_at, p.first_reply, p.resolution,
             tk.created_at + p.first_reply * interval '1 minute' as first_due,
             tk.created_at + p.resolution * interval '1 minute' as resolution_due,
             coalesce(tk.first_response_at, case when tk.status in ('solved', 'closed') then tk.solved_at end) as first_stop,
             case when tk.status in ('solved', 'closed') then tk.solved_at end as resolution_stop,
             case when tk.first_response_at is not null or tk.status in ('solved', 'closed') then 'stopped' else 'running' end as first_phase,
             case when tk.status in ('solved', 'closed') then 'stopped' when tk.status in ('pending', 'on_hold') then 'paused' else 'running' end as resolution_phase
      from ${t.tickets} tk join targets p on p.priority = tk.priority
    )
    insert into ${t.ticketSlas} (ticket_id, policy_name, clocks, next_breach_at, computed_at)
    select id, 'Standard',
           jsonb_build_object(
             'firstReply', ${clock("firstReply", sql`first_phase`, sql`first_reply`, sql`first_due`, sql`first_stop`)},
             'nextReply', jsonb_build_object('current', null, 'cycles', '[]'::jsonb),
             'resolution', ${clock("resolution", sql`resolution_phase`, sql`resolution`, sql`resolution_due`, sql`resolution_stop`)}),
           case when first_phase = 'running' and resolution_phase = 'running' then least(first_due, resolution_due)
                when first_phase = 'running' then first_due
                when resolution_phase = 'running' then resolution_due end,
           now()
    from c`;
}

/**
 * 1 … 2n-1 messages per ticket (n on average), fixed by a hash of the ticket id. The customer
 * opens; once an agent has answered (at first_response_at) they take turns, some agent messages
 * being internal notes; before a first response agents only write internal notes.
 */
function messagesSql(t: TenantTables, loId: number, hiId: number, perTicket: number): SQL {
  return sql`
    with pools as (select ${textArray(OPENERS)} as openers, ${textArray(CUSTOMER_LINES)} as customer_lines, ${textArray(AGENT_LINES)} as agent_lines,
                          ${textArray(SIGN_OFFS)} as sign_offs, ${textArray(NOTES)} as notes),
    m as (
      select tk.id as ticket_id, tk.customer_id, tk.assignee_id, k, c.n,
             case when k = 1 then 'customer' when k % 2 = 0 and tk.assignee_id is not null then 'agent' else 'customer' end as author_type,
             tk.first_response_at is null or (k > 2 and random() < .15) as note,
             case when k = 1 then tk.created_at
                  when tk.first_response_at is null then tk.created_at + (tk.updated_at - tk.created_at) * ((k - 1)::float8 / c.n)
                  when k = 2 then tk.first_response_at
                  else tk.first_response_at + (coalesce(tk.solved_at, tk.updated_at) - tk.first_response_at) * ((k - 2)::float8 / (c.n - 2))
             end as created_at,
             random() as r1, random() as r2, random() as r3
      from ${t.tickets} tk
      cross join lateral (select 1 + mod(abs(hashint8(tk.id)::bigint), ${2 * perTicket - 1}::int) as n) c
      cross join lateral generate_series(1, c.n) as k
      where tk.id between ${loId}::bigint and ${hiId}::bigint
    )
    insert into ${t.ticketMessages} (ticket_id, author_type, author_user_id, author_customer_id, internal, body, created_at)
    select ticket_id, author_type,
           case when author_type = 'agent' then assignee_id end,
           case when author_type = 'customer' then customer_id end,
           author_type = 'agent' and note,
           case when author_type = 'agent' and note then 'Internal: ' || notes[1 + floor(r1 * cardinality(notes))::int]
                when author_type = 'agent' then agent_lines[1 + floor(r1 * cardinality(agent_lines))::int] || ' ' || agent_lines[1 + floor(r2 * cardinality(agent_lines))::int]
                                                || E'\\n\\n' || sign_offs[1 + floor(r3 * cardinality(sign_offs))::int]
                when k = 1 then openers[1 + floor(r3 * cardinality(openers))::int] || E'\\n\\n' || customer_lines[1 + floor(r1 * cardinality(customer_lines))::int] || ' '
                                || customer_lines[1 + floor(r2 * cardinality(customer_lines))::int] || ' ' || customer_lines[1 + floor(r3 * r1 * cardinality(customer_lines))::int]
                else customer_lines[1 + floor(r1 * cardinality(customer_lines))::int] || ' ' || customer_lines[1 + floor(r2 * cardinality(customer_lines))::int] end,
           created_at
    from m, pools
    order by ticket_id, k`;
}

/** Slice `slice` of `slices` of the tickets' audit trail: created, assigned, status and some priority changes. */
function activitySql(t: TenantTables, slice: number, slices: number): SQL {
  const from = slice === 0 ? sql`'-infinity'::timestamptz` : sql`now() - interval '366 days' + ${slice / slices}::float8 * interval '367 days'`;
  const to = slice === slices - 1 ? sql`'infinity'::timestamptz` : sql`now() - interval '366 days' + ${(slice + 1) / slices}::float8 * interval '367 days'`;
  return sql`
    insert into ${t.activityLogs} (actor_type, actor_user_id, actor_customer_id, action, entity_type, entity_id, ticket_id, changes, created_at)
    select actor_type, actor_user_id, actor_customer_id, action, 'ticket', ticket_id, ticket_id, changes, at
    from (
      select 'customer' as actor_type, null::bigint as actor_user_id, customer_id as actor_customer_id, 'ticket.created' as action, id as ticket_id, null::jsonb as changes, created_at as at
        from ${t.tickets}
      union all
      select 'agent', assignee_id, null, 'ticket.assigned', id, jsonb_build_object('assigneeId', jsonb_build_object('from', null, 'to', assignee_id)), least(now(), created_at + interval '3 minutes')
        from ${t.tickets} where assignee_id is not null
      union all
      select 'agent', assignee_id, null, 'ticket.priority_changed', id, jsonb_build_object('priority', jsonb_build_object('from', 'normal', 'to', priority)), least(now(), created_at + interval '20 minutes')
        from ${t.tickets} where priority in ('high', 'urgent') and id % 3 = 0
      union all
      select 'agent', assignee_id, null, 'ticket.status_changed', id, jsonb_build_object('status', jsonb_build_object('from', 'open', 'to', status)), coalesce(solved_at, least(now(), coalesce(first_response_at, created_at) + interval '10 minutes'))
        from ${t.tickets} where status <> 'open'
    ) as events
    where at >= ${from} and at < ${to}
    order by at`;
}
