import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

type PlainResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** One request to 127.0.0.1:`port` as a browser on `host` would send it (fetch() cannot set Host). */
export function requestServer(port: number, host: string, pathname: string, { method = "GET", headers = {}, timeoutMs = 10_000 } = {}): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathname, method, headers: { host, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** `tsx server.ts` as `npm start` runs it (the server build in CONDUCTOR_BUILD_DIR), with the given settings on top of the test's environment. */
export class ServerProcess {
  readonly output: string[] = [];
  private exited: { code: number | null; signal: string | null } | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => this.output.push(String(chunk)));
    child.on("exit", (code, signal) => (this.exited = { code, signal }));
  }

  /** Without DATABASE_URL in `env` the server starts its own embedded PostgreSQL (DATA_DIR, EMBEDDED_PG_PORT). */
  static async start(env: Record<string, string> & { PORT: string }): Promise<ServerProcess> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
    if (!env.SHARD_URLS) delete childEnv.SHARD_URLS;
    const server = new ServerProcess(
      spawn(path.resolve("node_modules/.bin/tsx"), ["server.ts"], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] }),
      Number(env.PORT),
    );
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(250)) {
      if (server.exited) throw new Error(`the server exited while starting:\n${server.output.join("")}`);
      const ready = await requestServer(server.port, "localhost", "/readyz", { timeoutMs: 1000 }).catch(() => null);
      if (ready?.status === 200) return server;
    }
    await server.stop();
    throw new Error(`the server did not become ready:\n${server.output.join("")}`);
  }

  get alive(): boolean {
    return this.exited === null;
  }

  get exitDescription(): string {
    return this.exited ? `exited (${JSON.stringify(this.exited)}):\n${this.output.join("").slice(-4000)}` : "running";
  }

  /** SIGTERM, as an operator stops it; SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await Promise.race([exited, sleep(graceMs)]);
    if (!this.exited) this.child.kill("SIGKILL");
  }
}
