import sanitizeHtml from "sanitize-html";

/** The most sanitised HTML a message keeps (the text body stays either way). */
const MAX_HTML_CHARS = 1_000_000;
/**
 * Longer HTML is not sanitised for the frame at all (the text body and the files stay): the
 * sanitiser takes about a second per megabyte. Gmail already clips messages past 102 KB.
 */
export const MAX_HTML_INPUT_CHARS = MAX_HTML_CHARS;
/** An HTML-only email's text is read from this much of its HTML (the body keeps 100,000 characters). */
const MAX_HTML_TEXT_INPUT_CHARS = MAX_HTML_CHARS;

/**
 * An email's HTML reduced to an allowlist: formatting, tables, links and images, nothing that runs
 * or submits, no `on*` or `style` attributes (so no hidden text), links only to http(s)/mailto and
 * images only from https or the message's own parts (cid:). Shown to agents in a sandboxed frame.
 */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html.replaceAll("\u0000", ""), {
    allowedTags: [...sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== "style"), "img", "font", "center", "u", "s", "strike", "small", "big"],
    allowedAttributes: {
      a: ["href", "title", "target", "rel"],
      img: ["src", "alt", "title", "width", "height"],
      td: ["colspan", "rowspan", "align", "valign"],
      th: ["colspan", "rowspan", "align", "valign"],
      table: ["align", "border", "cellpadding", "cellspacing", "width"],
      "*": ["dir", "lang"],
    },
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: { img: ["https", "cid"] },
    allowedSchemesAppliedToAttributes: ["href", "src", "cite"],
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    nonTextTags: ["script", "style", "textarea", "option", "noscript", "title", "head", "template", "iframe", "object", "button", "select"],
    transformTags: {
      // Links leave the frame in a new tab and tell the target nothing about us.
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, ...(attribs.href ? { target: "_blank", rel: "noopener noreferrer nofollow" } : {}) } }),
    },
  }).trim();
}

/** The sanitised HTML to show in the frame, or null when there is none or it is too large to show. */
export function emailHtmlForFrame(html: string | false | undefined): string | null {
  if (typeof html !== "string" || html.length > MAX_HTML_INPUT_CHARS || !html.trim()) return null;
  const sanitised = sanitizeEmailHtml(html);
  return sanitised && sanitised.length <= MAX_HTML_CHARS ? sanitised : null;
}

/** The text of an HTML-only email, for the message body and search (from the start of a long HTML). */
export function textFromHtml(html: string): string {
  const withBreaks = html
    .slice(0, MAX_HTML_TEXT_INPUT_CHARS)
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|tr|li|h[1-6]|blockquote)>/gi, "\n");
  const text = sanitizeHtml(withBreaks, {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: ["script", "style", "textarea", "option", "noscript", "title", "head"],
  });
  return withoutTrailingBlanks(decodeEntities(text))
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Spaces and tabs at the end of each line removed, by a scan (`/[ \t]+\n/` backtracks quadratically on long runs of blanks). */
function withoutTrailingBlanks(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      let end = line.length;
      while (end > 0 && (line[end - 1] === " " || line[end - 1] === "\t")) end -= 1;
      return line.slice(0, end);
    })
    .join("\n");
}

function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, "&");
}
