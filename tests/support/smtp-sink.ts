import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One message as the SMTP server received it: the envelope (what decides who gets it) and the parsed message. */
export type Delivery = { envelope: { from: string; to: string[] }; raw: string; mail: ParsedMail };

export type SmtpSink = {
  url: string;
  deliveries: Delivery[];
  /** Messages whose envelope includes `address`: test files share one job queue, so they look only at their own recipients. */
  deliveredTo(address: string): Delivery[];
  /** Resolves once `count` messages reached `address`; rejects after `timeoutMs`. */
  waitForDeliveries(address: string, count: number, timeoutMs?: number): Promise<Delivery[]>;
  /** Stops listening: connections are refused, as when the mail server is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
};

/**
 * A real SMTP server (the smtp-server package) on loopback that keeps every message it accepts.
 * `delayMs` holds each message before accepting it, to catch a worker in the middle of a send.
 */
export async function startSmtpSink({ delayMs = 0, port: fixedPort = 0 } = {}): Promise<SmtpSink> {
  const deliveries: Delivery[] = [];
  let port = fixedPort;
  let server: SMTPServer | null = null;

  const listen = async () => {
    const next = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      closeTimeout: 1000,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => void deliver());
        const deliver = async () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((recipient) => recipient.address),
          };
          if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
          deliveries.push({ envelope, raw, mail: await simpleParser(raw) });
          callback();
        };
      },
    });
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => resolve());
    });
    port = (next.server.address() as AddressInfo).port;
    server = next;
  };
  await listen();

  const deliveredTo = (address: string) => deliveries.filter((delivery) => delivery.envelope.to.includes(address));
  return {
    url: `smtp://127.0.0.1:${port}`,
    deliveries,
    deliveredTo,
    async waitForDeliveries(address, count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (deliveredTo(address).length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} message(s) to ${address} within ${timeoutMs} ms, got ${deliveredTo(address).length}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return deliveredTo(address);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        const closing = server;
        server = null;
        closing.close(() => resolve());
      }),
    start: listen,
  };
}
