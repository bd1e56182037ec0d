/** Ports of the e2e instance that really sends (to a loopback SMTP sink) and receives mail. */
export const MAIL_PORT = 3312;
export const E2E_SMTP_SINK_PORT = 3325;
export const E2E_INBOUND_SMTP_PORT = 3326;
export const E2E_INBOUND_DOMAIN = "inbound.test";
export const E2E_MAIL_BASE_URL = `http://acme.localhost:${MAIL_PORT}`;
