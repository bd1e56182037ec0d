import http from "node:http";

type Reply = { status: number; location: string | null; body: string; url: URL };

/**
 * Just enough of a browser for redirect-based flows (OIDC): a cookie jar per host, manual
 * redirects, and `*.localhost` sent to 127.0.0.1 with the right Host header.
 */
export class TestBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  async get(url: string): Promise<Reply> {
    return this.send("GET", new URL(url));
  }

  async post(url: string, fields: Record<string, string>): Promise<Reply> {
    return this.send("POST", new URL(url), new URLSearchParams(fields).toString());
  }

  /** Follows redirects until a non-redirect answer, or until `stopAt` matches the next URL. */
  async follow(start: Reply, stopAt?: (url: URL) => boolean, limit = 10): Promise<Reply> {
    let reply = start;
    for (let i = 0; i < limit && reply.location; i += 1) {
      const next = new URL(reply.location, reply.url);
      if (stopAt?.(next)) return { ...reply, url: next };
      reply = await this.get(next.toString());
    }
    return reply;
  }

  cookieHeader(host: string): string {
    return [...(this.jar.get(host)?.entries() ?? [])].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  private send(method: string, url: URL, body?: string): Promise<Reply> {
    const headers: Record<string, string> = { host: url.host };
    const cookie = this.cookieHeader(url.host);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers.origin = url.origin;
    }
    return new Promise((resolve, reject) => {
      const request = http.request({ host: "127.0.0.1", port: url.port || 80, path: url.pathname + url.search, method, headers }, (response) => {
        this.store(url.host, response.headers["set-cookie"] ?? []);
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, location: response.headers.location ?? null, body: text, url }));
      });
      request.on("error", reject);
      if (body !== undefined) request.write(body);
      request.end();
    });
  }

  private store(host: string, setCookies: string[]) {
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.jar.set(host, cookies);
  }
}
