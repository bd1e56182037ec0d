import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { routeRecipient, type InboundSettings } from "./inbound-routing.server";
import { storeInboundEmail } from "./inbound-store.server";

export type SmtpReceiver = { port: number; stop(): Promise<void> };

type SmtpError = Error & { responseCode: number };

/** Recipients per message, as RFC 5321 requires an MX to accept at least 100. */
const MAX_RECIPIENTS = 100;

function smtpError(responseCode: number, message: string): SmtpError {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * Conductor's MX: accepts mail for the tenants' inbound addresses, refuses other recipients at
 * RCPT, and says 250 only once the message is committed in every recipient tenant's schema.
 */
export async function startSmtpReceiver({
  platform,
  settings,
  logger,
  tls,
}: {
  platform: Platform;
  settings: Pick<InboundSettings, "domain" | "maxBytes" | "smtpHost"> & { smtpPort: number };
  logger: Logger;
  /** Key and certificate for STARTTLS; without them STARTTLS is not offered. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}): Promise<SmtpReceiver> {
  // The tenants named by the current transaction's accepted recipients, per session.
  const routes = new WeakMap<SMTPServerSession, Map<string, { tenant: TenantRecord; recipients: string[] }>>();

  const server = new SMTPServer({
    name: settings.domain ?? undefined,
    banner: "Conductor inbound mail",
    authOptional: true,
    disabledCommands: tls ? ["AUTH"] : ["AUTH", "STARTTLS"],
    ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    size: settings.maxBytes,
    maxClients: 200,
    logger: false,
    onMailFrom(_address, session, callback) {
      routes.set(session, new Map());
      callback();
    },
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return callback(smtpError(452, "4.5.3 Too many recipients"));
      routeRecipient(platform, address.address, settings.domain).then(
        (tenant) => {
          if (!tenant) return callback(smtpError(550, "5.1.1 No such recipient here"));
          const byTenant = routes.get(session) ?? new Map<string, { tenant: TenantRecord; recipients: string[] }>();
          routes.set(session, byTenant);
          const entry = byTenant.get(tenant.id) ?? { tenant, recipients: [] };
          entry.recipients.push(address.address);
          byTenant.set(tenant.id, entry);
          callback();
        },
        (error: unknown) => {
          logger.error({ err: error }, "inbound SMTP: routing a recipient failed");
          callback(smtpError(451, "4.3.0 Temporary failure, try again later"));
        },
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit the rest is drained, not kept; smtp-server flags the stream as oversize.
        if (size <= settings.maxBytes) chunks.push(chunk);
      });
      stream.on("error", (error) => callback(smtpError(451, `4.3.0 ${error.message}`)));
      stream.on("end", () => {
        if (stream.sizeExceeded || size > settings.maxBytes) {
          return callback(smtpError(552, `5.3.4 Message exceeds the fixed maximum message size (${settings.maxBytes} bytes)`));
        }
        const raw = Buffer.concat(chunks, size);
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
        const targets = [...(routes.get(session)?.values() ?? [])];
        routes.delete(session);
        if (targets.length === 0) return callback(smtpError(554, "5.5.1 No valid recipients"));
        Promise.all(
          targets.map(async ({ tenant, recipients }) => {
            const stored = await storeInboundEmail(platform, tenant, { raw, via: "smtp", envelopeFrom, envelopeTo: recipients });
            logger.info({ tenant: tenant.slug, inboundEmailId: stored.id, sizeBytes: raw.length, duplicate: stored.duplicate, remoteAddress: session.remoteAddress }, "inbound email accepted (SMTP)");
          }),
        ).then(
          () => callback(),
          (error: unknown) => {
            // Any tenant not stored means "try again": rows already stored dedupe the retry.
            logger.error({ err: error }, "inbound SMTP: storing a message failed");
            callback(smtpError(451, "4.3.0 Temporary failure storing the message, try again later"));
          },
        );
      });
    },
  });
  server.on("error", (error) => logger.error({ err: error }, "inbound SMTP server error"));

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.server.once("error", onError);
    server.listen(settings.smtpPort, settings.smtpHost, () => {
      server.server.off("error", onError);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
