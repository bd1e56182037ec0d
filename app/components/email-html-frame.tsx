import { useState } from "react";

const BLOCKED_IMAGES = "img-src data: cid:";
const REMOTE_IMAGES = "img-src data: https:";

/** The frame's own document: its CSP lets nothing run or load but inline styles and, when asked, https images. */
function frameDocument(html: string, remoteImages: boolean): string {
  const policy = `default-src 'none'; style-src 'unsafe-inline'; ${remoteImages ? REMOTE_IMAGES : BLOCKED_IMAGES}`;
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}"><style>body{margin:0;padding:12px;font:14px/1.5 system-ui,sans-serif;color:#1e293b;word-break:break-word}img{max-width:100%;height:auto}</style></head><body>${html}</body></html>`;
}

/**
 * An email's sanitised HTML in a sandboxed frame: an opaque origin with no scripts, so even markup
 * the sanitiser missed cannot reach the page, the session or the network. Remote images (tracking
 * pixels) stay blocked until the agent asks for them.
 */
export function EmailHtmlFrame({ html }: { html: string }) {
  const [remoteImages, setRemoteImages] = useState(false);
  return (
    <details className="mt-3 text-sm">
      <summary className="cursor-pointer font-medium text-brand-700 hover:underline">Show original formatting</summary>
      <div className="mt-2 space-y-2">
        {remoteImages ? (
          <p className="text-xs text-slate-500">Remote images are shown; loading them tells the sender this email was opened.</p>
        ) : (
          <button
            type="button"
            onClick={() => setRemoteImages(true)}
            className="rounded border border-slate-300 px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50"
          >
            Load remote images
          </button>
        )}
        <iframe
          key={remoteImages ? "remote" : "blocked"}
          title="Original formatting of this email"
          sandbox=""
          referrerPolicy="no-referrer"
          srcDoc={frameDocument(html, remoteImages)}
          className="h-96 w-full resize-y rounded border border-slate-200 bg-white"
        />
      </div>
    </details>
  );
}
