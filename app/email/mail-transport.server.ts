import nodemailer from "nodemailer";
import type Mail from "nodemailer/lib/mailer";

export type MailMessage = Mail.Options;

/**
 * Where the worker hands finished messages: an SMTP server, or nowhere (the development mailbox).
 * The development mailbox answers the message it built, byte for byte what SMTP would have carried.
 */
export type MailTransport = {
  kind: "smtp" | "dev-mailbox";
  send(message: MailMessage): Promise<{ rawSource?: string } | void>;
  close(): void;
};

// Not nodemailer's minutes-long defaults: a stalled server should fail the attempt and let the queue retry.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export function createMailTransport(smtpUrl: string | undefined): MailTransport {
  if (!smtpUrl) {
    // The outbox row already is the mailbox entry. The message is still built, so a message that
    // could not be sent over SMTP fails in development too, and the mailbox shows its real source.
    const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, disableFileAccess: true, disableUrlAccess: true });
    return {
      kind: "dev-mailbox",
      send: async (message) => ({ rawSource: (await builder.sendMail(message)).message.toString("utf8") }),
      close: () => builder.close(),
    };
  }
  const smtp = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS, disableFileAccess: true, disableUrlAccess: true });
  return { kind: "smtp", send: async (message) => void (await smtp.sendMail(message)), close: () => smtp.close() };
}
