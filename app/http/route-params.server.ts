// The route-parameter parsers for loaders and actions. Importing them from here (a .server module,
// which the browser build leaves out) keeps zod out of a screen's JavaScript when only its loader
// parses a parameter; a bare import of ~/route-params would ship it.
export { routeParam, rowIdParam, ticketNumberParam } from "../route-params";
