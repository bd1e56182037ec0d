import type { UserRole } from "../../db/tenant-tables";

/** The signed-in team member as loaders see it (shared with the browser: no secrets here). */
export type CurrentUser = { id: number; email: string; name: string; role: UserRole };

export type RequestAuth = { via: "session"; user: CurrentUser; sessionId: string; csrfToken: string } | { via: "token"; user: CurrentUser; tokenId: number };
