import type pg from "pg";
import type { Logger } from "pino";
import { createClient } from "../db/pg-connections";
import { TENANT_CHANGES_CHANNEL } from "./tenant-registry";

export type TenantChangeListenerOptions = {
  /**
   * The control plane's URL, used directly: LISTEN needs a session of its own, which PgBouncer in
   * transaction pooling mode does not give. (A later issue adds a separate session URL for this.)
   */
  url: string;
  /** Hears about a callback that threw. */
  log: Logger;
  onTenantChanged(tenantId: string): void;
  /** On every (re)connection: whatever changed while nothing was listening was not delivered. */
  onResync(): void;
  /** Connection failures are expected (failover, pg_terminate_backend); they are reported, never thrown. */
  onError(error: Error): void;
  minRetryMs?: number;
  maxRetryMs?: number;
};

/**
 * One dedicated connection doing `LISTEN conductor_tenants` for the whole process. It reconnects
 * with exponential backoff after the connection drops, and never lets a connection error escape.
 */
export class TenantChangeListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;
  private waiting: Array<() => void> = [];

  constructor(private readonly options: TenantChangeListenerOptions) {}

  start(): this {
    this.connecting = this.connect();
    return this;
  }

  /** The listening backend's process id, or null while disconnected. */
  get backendPid(): number | null {
    return (this.client as (pg.Client & { processID?: number }) | null)?.processID ?? null;
  }

  /** Resolves once LISTEN is active (at once if it already is). */
  whenListening(): Promise<void> {
    if (this.client) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.stopped) return;
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      client.end().catch(() => {});
      if (this.stopped) return;
      this.safely(() => this.options.onError(error ?? new Error("the tenant change listener's connection ended")));
      this.scheduleReconnect();
    };
    const client = createClient(
      "tenant-changes",
      {
        connectionString: this.options.url,
        connectionTimeoutMillis: 5_000,
        // A silently dead connection is noticed in minutes rather than hours; until then the TTL applies.
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      },
      { log: this.options.log, onLost: (error) => onLost(error) },
    );
    client.on("end", () => onLost());
    client.on("notification", ({ channel, payload }) => {
      if (channel === TENANT_CHANGES_CHANNEL && payload) this.safely(() => this.options.onTenantChanged(payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${TENANT_CHANGES_CHANNEL}`);
    } catch (error) {
      onLost(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (lost) return;
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.failures = 0;
    this.safely(() => this.options.onResync());
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** These run inside pg's socket event handlers, where a throw would be an uncaught exception. */
  private safely(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.options.log.error({ err: error }, "tenant change listener: a callback failed");
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const { minRetryMs = 100, maxRetryMs = 10_000 } = this.options;
    const ceiling = Math.min(maxRetryMs, minRetryMs * 2 ** this.failures);
    this.failures += 1;
    // Jitter, so the processes of a fleet do not all reconnect in the same instant after a failover.
    this.retryTimer = setTimeout(
      () => {
        this.connecting = this.connect();
      },
      ceiling / 2 + Math.random() * (ceiling / 2),
    );
    this.retryTimer.unref();
  }
}
