import { useRouteLoaderData } from "@remix-run/react";
import type { loader as appLoader } from "~/routes/_app";
import type { TicketStatusRecord } from "~/ticket-statuses/ticket-status-catalog";

/** The workspace's statuses, loaded once by the console layout for every screen under it. */
export function useTicketStatuses(): TicketStatusRecord[] {
  return useRouteLoaderData<typeof appLoader>("routes/_app")?.statuses ?? [];
}
