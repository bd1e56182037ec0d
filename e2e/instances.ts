/**
 * The two servers the browser tests run against (started by playwright.config.ts), and what the
 * sign-in fixture needs to reach their databases: each runs on its own embedded PostgreSQL.
 */
export type E2eInstance = {
  port: number;
  baseURL: string;
  dataDir: string;
  embeddedPgPort: number;
  /** Set as SESSION_SECRET on the server, so the fixture signs the cookies it sets the same way. */
  sessionSecret: string;
};

const DATA_DIR = process.env.E2E_DATA_DIR ?? ".data/e2e";
const SESSION_SECRET = "e2e-session-secret-for-browser-tests-only-0123456789";

function instance(port: number, dataDir: string): E2eInstance {
  return { port, baseURL: `http://acme.localhost:${port}`, dataDir, embeddedPgPort: port + 1000, sessionSecret: SESSION_SECRET };
}

/** The demo workspace with the development mailbox. */
export const MAIN_INSTANCE = instance(3311, DATA_DIR);
/** A second instance that really sends (to a loopback SMTP sink) and receives mail. */
export const MAIL_INSTANCE = instance(3312, `${DATA_DIR}-mail`);

export const E2E_SMTP_SINK_PORT = 3325;
export const E2E_INBOUND_SMTP_PORT = 3326;
export const E2E_INBOUND_DOMAIN = "inbound.test";
