/** A customer's initials on the brand gradient; decorative, the name is always written next to it. */
export function CustomerAvatar({ name, size = "md" }: { name: string; size?: "md" | "lg" }) {
  const initials =
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => part[0]!.toUpperCase())
      .join("") || "?";
  const box = size === "lg" ? "h-12 w-12 text-base" : "h-9 w-9 text-xs";
  return (
    <span aria-hidden className={`grid shrink-0 place-items-center rounded-full bg-gradient-primary font-bold text-white shadow-sm ${box}`}>
      {initials}
    </span>
  );
}
