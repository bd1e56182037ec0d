import { DEMO_TENANT, seedDemoData } from "./demo-seed.server";
import type { Platform } from "../../tenancy/platform";
import { createTenant } from "../../tenancy/provisioning";
import { prepareFirstAdmin } from "../team/first-admin.server";
import { listTenants } from "../../tenancy/tenant-registry";

/** On the very first start (no tenants at all) create the demo workspace with a month of data. */
export async function provisionDemoWorkspaceOnFirstRun(platform: Platform, log: (message: string) => void): Promise<boolean> {
  const existing = await listTenants(platform.control.db);
  if (existing.length > 0) return existing.some((tenant) => tenant.slug === DEMO_TENANT.slug);
  log("first run: creating the demo workspace 'acme'");
  const { tenant } = await createTenant(
    platform.control,
    platform.router,
    {
      slug: DEMO_TENANT.slug,
      name: DEMO_TENANT.name,
      adminEmail: DEMO_TENANT.admin.email,
      adminName: DEMO_TENANT.admin.name,
      adminPassword: DEMO_TENANT.admin.password,
    },
    { firstAdmin: prepareFirstAdmin },
  );
  const counts = await seedDemoData(platform.router.forTenant(tenant));
  log(`demo workspace ready: ${counts.customers} customers, ${counts.tickets} tickets`);
  return true;
}
