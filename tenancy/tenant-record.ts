import type { TenantSettings, TenantStatus } from "../db/control-schema";

/** What the request path knows about a tenant: a control-plane row, cached. */
export type TenantRecord = {
  id: string;
  slug: string;
  name: string;
  schemaName: string;
  status: TenantStatus;
  shard: string;
  schemaVersion: number;
  settings: TenantSettings;
};
