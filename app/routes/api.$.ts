import { apiError } from "~/api/api-error.server";
import { access } from "~/auth/access";

// Any other path under /api answers in the API's error shape instead of rendering the HTML 404 page.
export const handle = access("public");

const notFound = () => apiError(404, "not_found", "There is no such API endpoint. GET /api/openapi.json lists them all.");
export const loader = notFound;
export const action = notFound;
