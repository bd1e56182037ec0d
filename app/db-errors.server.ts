/** PostgreSQL's unique_violation (23505), also when drizzle wraps the driver's error in `cause`. */
export function isUniqueViolation(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string }; code?: string }) ?? {};
  return cause.code === "23505" || cause.cause?.code === "23505";
}
