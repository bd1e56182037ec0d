import type { TenantHandle } from "../tenancy/connection-router";
import type { TenantRecord } from "../tenancy/tenant-record";

export type ConductorLoadContext = {
  tenant: TenantRecord;
  /** The tenant-bound database handle from the connection router. */
  db: TenantHandle;
  requestId: string;
};

declare module "@remix-run/node" {
  interface AppLoadContext extends ConductorLoadContext {}
}
