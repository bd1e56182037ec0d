import { useEffect, useState } from "react";

const LOCAL_FORMAT: Intl.DateTimeFormatOptions = {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  timeZoneName: "short",
};

/**
 * An instant in the reader's own time zone. The server cannot know that zone, so it renders UTC,
 * and the browser switches to its zone once hydrated (the first browser render matches the server's).
 */
export function LocalTime({ iso }: { iso: string }) {
  const [inBrowser, setInBrowser] = useState(false);
  useEffect(() => setInBrowser(true), []);
  const date = new Date(iso);
  return (
    <time dateTime={date.toISOString()} className="tabular-nums">
      {inBrowser ? date.toLocaleString(undefined, LOCAL_FORMAT) : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`}
    </time>
  );
}
