import { format, formatDistanceToNowStrict } from "date-fns";

/**
 * "5 minutes ago", with the exact time on hover. Server and browser clocks differ by the time
 * the page took to arrive, so a mismatch in the text is expected and not a hydration error.
 */
export function RelativeTime({ date }: { date: Date | string }) {
  const value = typeof date === "string" ? new Date(date) : date;
  return (
    <time dateTime={value.toISOString()} title={format(value, "PPpp")} suppressHydrationWarning>
      {formatDistanceToNowStrict(value, { addSuffix: true })}
    </time>
  );
}
