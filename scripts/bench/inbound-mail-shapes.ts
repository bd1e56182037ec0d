import MailComposer from "nodemailer/lib/mail-composer";
import type Mail from "nodemailer/lib/mailer";

/** Large inbound messages of the shapes that cost the most to read, for the bench and the tests. */
export const INBOUND_MAIL_SHAPES = ["mixed", "html", "text", "attachments", "adversarial"] as const;
export type InboundMailShape = (typeof INBOUND_MAIL_SHAPES)[number];

export const SHAPE_DESCRIPTIONS: Record<InboundMailShape, string> = {
  mixed: "text and HTML alternatives (a quarter of the size each) and 24 attachments for the rest",
  html: "one HTML part only: nested tables and divs, links, entities, cid images (the text comes from the HTML)",
  text: "one text part: paragraphs, quoted history, whitespace runs and reply headers that almost match",
  attachments: "a short text and 400 small attachments (many MIME parts)",
  adversarial: 'one text line "Am " + "schrieb" x N, the line that froze the server (issue 11, hole 1)',
};

const paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.\n";
const nearMisses = [
  "Am Dienstag, 24. November 2026 um 10:00 schrieb Kunde <kunde@example.test>",
  `On ${"Tue, ".repeat(40)} wrote`,
  "-- Original Message ---- not quite",
  `Le ${"mardi ".repeat(50)} a écrit`,
  `${" \t".repeat(2000)}x`,
  "> quoted line",
  "",
];

function repeatTo(unit: string, chars: number): string {
  return unit.repeat(Math.max(1, Math.floor(chars / unit.length)));
}

function contentOf(shape: InboundMailShape, budget: number): Mail.Options {
  switch (shape) {
    case "mixed": {
      const quarter = Math.floor(budget / 4);
      const attachmentBytes = Math.floor(((budget / 2) * 0.74) / 24);
      return {
        text: repeatTo(paragraph, quarter),
        html: `<html><body>${repeatTo('<div class="m"><p>Hello <b>there</b> <a href="https://example.test/a?b=c&amp;d=e">link</a> &nbsp;&lt;x&gt;<img src="cid:logo@x"></p></div>\n', quarter)}</body></html>`,
        attachments: Array.from({ length: 24 }, (_, i) => ({
          filename: `report-${i}.pdf`,
          content: Buffer.alloc(attachmentBytes, i),
          contentType: "application/pdf",
        })),
      };
    }
    case "html": {
      const unit =
        '<table><tr><td><div><span>Cell <i>text</i> &amp; more &#39;quoted&#39;</span><br/><a href="https://example.test/x">x</a></div></td></tr></table>\n<p>   \t   </p>\n';
      return { html: `<html><head><style>p{color:red}</style></head><body>${repeatTo(unit, budget * 0.74)}</body></html>` };
    }
    case "text":
      return { text: repeatTo(`${paragraph}${nearMisses.join("\n")}\n`, budget * 0.74) };
    case "attachments":
      return {
        text: "See the attached files.",
        attachments: Array.from({ length: 400 }, (_, i) => ({
          filename: `file-${i}.txt`,
          content: Buffer.alloc(Math.floor((budget * 0.72) / 400), 97 + (i % 26)),
          contentType: "text/plain",
        })),
      };
    case "adversarial":
      // Base64 (a quarter larger) keeps the one line as it is; the decoded line is what the patterns see.
      return { text: `Am ${repeatTo("schrieb", budget * 0.74)}`, textEncoding: "base64" };
  }
}

/** A message of `shape` whose raw size is close to, and never over, `maxBytes`. */
export async function buildInboundMessage(shape: InboundMailShape, maxBytes: number, headers: Mail.Options = {}): Promise<Buffer> {
  const compose = (budget: number) =>
    new MailComposer({
      from: "Big Sender <big@sender.test>",
      to: "support@example.test",
      subject: `A ${shape} message`,
      messageId: `<${shape}-${Date.now()}-${Math.random().toString(36).slice(2)}@sender.test>`,
      ...contentOf(shape, budget),
      ...headers,
    })
      .compile()
      .build();
  let budget = maxBytes;
  let fitting: Buffer | null = null;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const raw = await compose(budget);
    if (raw.length <= maxBytes) {
      fitting = raw;
      if (raw.length >= maxBytes * 0.97) break;
    }
    budget = Math.floor(budget * (maxBytes / raw.length) * 0.985);
  }
  if (!fitting) throw new Error(`could not build a ${shape} message under ${maxBytes} bytes`);
  return fitting;
}
