import { clientKey } from "../net/client-address.server";

export type SmtpReceiverLimits = {
  /** Concurrent connections of one client address (an IPv6 client by its /64). */
  maxConnectionsPerClient: number;
  /** Bytes of messages being received and not yet stored, across all connections. */
  maxBytesInFlight: number;
};

/** The defaults of INBOUND_MAX_CONNECTIONS_PER_CLIENT and INBOUND_MAX_BYTES_IN_FLIGHT. */
export const DEFAULT_SMTP_RECEIVER_LIMITS: SmtpReceiverLimits = { maxConnectionsPerClient: 10, maxBytesInFlight: 100 * 1024 * 1024 };

// The settings are spelt out rather than picked from AppConfig: config.server.ts imports the defaults above.
export function smtpReceiverLimitsFrom(config: { INBOUND_MAX_CONNECTIONS_PER_CLIENT: number; INBOUND_MAX_BYTES_IN_FLIGHT: number }): SmtpReceiverLimits {
  return { maxConnectionsPerClient: config.INBOUND_MAX_CONNECTIONS_PER_CLIENT, maxBytesInFlight: config.INBOUND_MAX_BYTES_IN_FLIGHT };
}

/** Open connections per client key; a connection counts from its admission to its close. */
export class ConnectionsPerClient {
  private readonly byClient = new Map<string, number>();
  private readonly admitted = new Map<string, string>();

  constructor(private readonly max: number) {}

  /** Admits connection `id` from `address`, or returns false when that client already has the most it may hold. */
  admit(id: string, address: string): boolean {
    const key = clientKey(address);
    const open = this.byClient.get(key) ?? 0;
    if (open >= this.max) return false;
    this.byClient.set(key, open + 1);
    this.admitted.set(id, key);
    return true;
  }

  /** Called for every closed connection, admitted or not. */
  release(id: string): void {
    const key = this.admitted.get(id);
    if (key === undefined) return;
    this.admitted.delete(id);
    const open = (this.byClient.get(key) ?? 1) - 1;
    if (open > 0) this.byClient.set(key, open);
    else this.byClient.delete(key);
  }
}

/** A budget of bytes held in memory by messages on their way to the database. */
export class BytesInFlight {
  private taken = 0;

  constructor(readonly max: number) {}

  /** Whether `bytes` more would still fit (without taking them): for an early refusal. */
  hasRoomFor(bytes: number): boolean {
    return this.taken + bytes <= this.max;
  }

  /** Takes `bytes` from the budget, or returns false (and takes nothing) when they do not fit. */
  take(bytes: number): boolean {
    if (!this.hasRoomFor(bytes)) return false;
    this.taken += bytes;
    return true;
  }

  give(bytes: number): void {
    this.taken = Math.max(0, this.taken - bytes);
  }

  get used(): number {
    return this.taken;
  }
}
