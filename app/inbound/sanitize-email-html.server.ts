import sanitizeHtml from "sanitize-html";

/**
 * An email's HTML reduced to an allowlist: formatting, tables, links and images, nothing that runs
 * or submits, no `on*` or `style` attributes (so no hidden text), links only to http(s)/mailto and
 * images only from https or the message's own parts (cid:). Shown to agents in a sandboxed frame.
 */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html.replace(/\u0000/g, ""), {
    allowedTags: [
      ...sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== "style"),
      "img", "font", "center", "u", "s", "strike", "small", "big",
    ],
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

/** The text of an HTML-only email, for the message body and search. */
export function textFromHtml(html: string): string {
  const withBreaks = html.replace(/<br\s*\/?>/gi, "\n").replace(/<\/(p|div|tr|li|h[1-6]|blockquote)>/gi, "\n");
  const text = sanitizeHtml(withBreaks, { allowedTags: [], allowedAttributes: {}, nonTextTags: ["script", "style", "textarea", "option", "noscript", "title", "head"] });
  return decodeEntities(text).replace(/[ \t]+\n/g, "\n").replace(/\n{3,}/g, "\n\n").trim();
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
