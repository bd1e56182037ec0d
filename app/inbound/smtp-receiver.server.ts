import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import type { Platform } from "../../tenancy/platform";
import type { TenantRecord } from "../../tenancy/tenant-record";
import { routeRecipient, type InboundSettings } from "./inbound-routing.server";
import { storeInboundEmail } from "./inbound-store.server";
import { BytesInFlight, ConnectionsPerClient, DEFAULT_SMTP_RECEIVER_LIMITS, type SmtpReceiverLimits } from "./smtp-receiver-limits.server";

export type SmtpReceiver = {
  port: number;
  /** Bytes of messages being received and not yet stored, of the INBOUND_MAX_BYTES_IN_FLIGHT budget. */
  bytesInFlight(): number;
  stop(): Promise<void>;
};

type SmtpError = Error & { responseCode: number };

/** Recipients per message, as RFC 5321 requires an MX to accept at least 100. */
const MAX_RECIPIENTS = 100;

function smtpError(responseCode: number, message: string): SmtpError {
  return Object.assign(new Error(message), { responseCode });
}

const insufficientStorage = () => smtpError(452, "4.3.1 Insufficient system storage, try again later");

/**
 * Conductor's MX: accepts mail for the tenants' inbound addresses, refuses other recipients at
 * RCPT, and says 250 only once the message is committed in every recipient tenant's schema.
 * Memory is bounded: each client address holds a limited number of connections (421 past it), and
 * all messages being received but not yet stored share one byte budget (452 past it).
 */
export async function startSmtpReceiver({
  platform,
  settings,
  limits = DEFAULT_SMTP_RECEIVER_LIMITS,
  logger,
  tls,
}: {
  platform: Platform;
  settings: Pick<InboundSettings, "domain" | "maxBytes" | "smtpHost"> & { smtpPort: number };
  limits?: SmtpReceiverLimits;
  logger: Logger;
  /** Key and certificate for STARTTLS; without them STARTTLS is not offered. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}): Promise<SmtpReceiver> {
  if (limits.maxBytesInFlight < settings.maxBytes) {
    throw new Error(
      `INBOUND_MAX_BYTES_IN_FLIGHT (${limits.maxBytesInFlight}) must be at least INBOUND_MAX_BYTES (${settings.maxBytes}), or no message of the largest size could ever be received`,
    );
  }
  // The tenants named by the current transaction's accepted recipients, per session.
  const routes = new WeakMap<SMTPServerSession, Map<string, { tenant: TenantRecord; recipients: string[] }>>();
  const connections = new ConnectionsPerClient(limits.maxConnectionsPerClient);
  const inFlight = new BytesInFlight(limits.maxBytesInFlight);

  const server = new SMTPServer({
    name: settings.domain ?? undefined,
    banner: "Conductor inbound mail",
    authOptional: true,
    disabledCommands: tls ? ["AUTH"] : ["AUTH", "STARTTLS"],
    ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    size: settings.maxBytes,
    maxClients: 200,
    logger: false,
    onConnect(session, callback) {
      if (connections.admit(session.id, session.remoteAddress)) return callback();
      logger.warn(
        { remoteAddress: session.remoteAddress, limit: limits.maxConnectionsPerClient },
        "inbound SMTP: connection refused, too many from this client",
      );
      callback(smtpError(421, "Too many connections from your address, try again later"));
    },
    onClose(session) {
      connections.release(session.id);
    },
    onMailFrom(address, session, callback) {
      // Refused early when the budget is spent or cannot hold the size the client declared; the
      // budget is only taken as the bytes arrive (onData).
      const declared = (address.args && Number(address.args.SIZE)) || 0;
      if (!inFlight.hasRoomFor(Math.max(1, Math.min(declared, settings.maxBytes)))) return callback(insufficientStorage());
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
      let held = 0;
      let overBudget = false;
      const release = () => {
        inFlight.give(held);
        held = 0;
      };
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        // Past either limit the rest is drained, not kept; smtp-server flags the stream as oversize.
        if (size > settings.maxBytes || overBudget) return;
        if (!inFlight.take(chunk.length)) {
          overBudget = true;
          chunks.length = 0;
          return release();
        }
        held += chunk.length;
        chunks.push(chunk);
      });
      stream.on("error", (error) => {
        release();
        callback(smtpError(451, `4.3.0 ${error.message}`));
      });
      stream.on("end", () => {
        if (stream.sizeExceeded || size > settings.maxBytes) {
          release();
          return callback(smtpError(552, `5.3.4 Message exceeds the fixed maximum message size (${settings.maxBytes} bytes)`));
        }
        if (overBudget) {
          logger.warn(
            { remoteAddress: session.remoteAddress, maxBytesInFlight: limits.maxBytesInFlight },
            "inbound SMTP: message refused, too many bytes in flight",
          );
          return callback(insufficientStorage());
        }
        const raw = Buffer.concat(chunks, size);
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
        const targets = [...(routes.get(session)?.values() ?? [])];
        routes.delete(session);
        chunks.length = 0;
        if (targets.length === 0) {
          release();
          return callback(smtpError(554, "5.5.1 No valid recipients"));
        }
        Promise.all(
          targets.map(async ({ tenant, recipients }) => {
            const stored = await storeInboundEmail(platform, tenant, { raw, via: "smtp", envelopeFrom, envelopeTo: recipients });
            logger.info(
              { tenant: tenant.slug, inboundEmailId: stored.id, sizeBytes: raw.length, duplicate: stored.duplicate, remoteAddress: session.remoteAddress },
              "inbound email accepted (SMTP)",
            );
          }),
        )
          .finally(release)
          .then(
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
    bytesInFlight: () => inFlight.used,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
