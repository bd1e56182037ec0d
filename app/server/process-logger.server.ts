import { pino, type Logger } from "pino";
import type { AppConfig } from "../config.server";

/** The log of a long-running process (the server, `npm run worker`): JSON lines, pretty on a developer's terminal. */
export function createProcessLogger(config: Pick<AppConfig, "LOG_LEVEL" | "NODE_ENV">): Logger {
  return pino({
    level: config.LOG_LEVEL,
    ...(config.NODE_ENV !== "production" && process.stdout.isTTY ? { transport: { target: "pino-pretty", options: { ignore: "pid,hostname" } } } : {}),
  });
}
