import { renderToStaticMarkup } from "react-dom/server";

export type EmailContent = { workspace: string; greeting: string; paragraphs?: string[]; quote?: string; action?: { label: string; href: string } };

/**
 * One email as plain text and HTML. The HTML is rendered by React, which escapes every value, so
 * a ticket subject or a reply cannot inject markup.
 */
export function renderEmail(content: EmailContent): { text: string; html: string } {
  const text = [
    content.greeting,
    ...(content.paragraphs ?? []),
    ...(content.quote
      ? [
          content.quote
            .split("\n")
            .map((line) => `> ${line}`)
            .join("\n"),
        ]
      : []),
    ...(content.action ? [`${content.action.label}: ${content.action.href}`] : []),
    `— ${content.workspace} support`,
  ].join("\n\n");
  const html = `<!doctype html>${renderToStaticMarkup(<EmailLayout {...content} />)}`;
  return { text, html };
}

function EmailLayout({ workspace, greeting, paragraphs = [], quote, action }: EmailContent) {
  return (
    <html lang="en">
      <body
        style={{ margin: 0, padding: "24px", background: "#f8fafc", fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", color: "#0f172a" }}
      >
        <table
          role="presentation"
          width="100%"
          cellPadding={0}
          cellSpacing={0}
          style={{ maxWidth: 560, margin: "0 auto", background: "#ffffff", borderRadius: 16, overflow: "hidden", border: "1px solid #e2e8f0" }}
        >
          <tbody>
            <tr>
              <td style={{ height: 6, background: "linear-gradient(135deg, #667eea 0%, #764ba2 100%)", backgroundColor: "#667eea" }} />
            </tr>
            <tr>
              <td style={{ padding: "24px 28px" }}>
                <p style={{ margin: "0 0 16px", fontWeight: 700, color: "#5a67d8" }}>{workspace}</p>
                <p style={{ margin: "0 0 12px" }}>{greeting}</p>
                {paragraphs.map((paragraph) => (
                  <p key={paragraph} style={{ margin: "0 0 12px", lineHeight: 1.5 }}>
                    {paragraph}
                  </p>
                ))}
                {quote ? (
                  <blockquote
                    style={{ margin: "0 0 16px", padding: "8px 12px", borderLeft: "3px solid #667eea", background: "#f8fafc", whiteSpace: "pre-wrap" }}
                  >
                    {quote}
                  </blockquote>
                ) : null}
                {action ? (
                  <p style={{ margin: "20px 0 0" }}>
                    <a
                      href={action.href}
                      style={{
                        display: "inline-block",
                        padding: "10px 18px",
                        borderRadius: 8,
                        background: "#667eea",
                        color: "#ffffff",
                        textDecoration: "none",
                        fontWeight: 600,
                      }}
                    >
                      {action.label}
                    </a>
                  </p>
                ) : null}
              </td>
            </tr>
          </tbody>
        </table>
      </body>
    </html>
  );
}
