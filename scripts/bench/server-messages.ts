/** What bench-agent.ts and its server process (agent-server.ts) say to each other over IPC. */

export type CapturedQuery = { sql: string; params: unknown[] };

export type ServerCommand =
  | { id: number; type: "capture-start" }
  | { id: number; type: "capture-stop" }
  | { id: number; type: "profile-start" }
  | { id: number; type: "profile-stop"; file: string };

export type ServerReply =
  | { type: "listening"; port: number }
  | { type: "failed"; message: string }
  | { id: number; type: "ok"; queries?: CapturedQuery[] }
  | { id: number; type: "error"; message: string };
