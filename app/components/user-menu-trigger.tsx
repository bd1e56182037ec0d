import { forwardRef, type ButtonHTMLAttributes } from "react";
import type { CurrentUser } from "~/auth/current-user";

/** The account button; the Radix menu wraps it once loaded (it forwards the ref and props Radix needs). */
export const UserMenuTrigger = forwardRef<HTMLButtonElement, ButtonHTMLAttributes<HTMLButtonElement> & { user: CurrentUser }>(function UserMenuTrigger(
  { user, ...props },
  ref,
) {
  return (
    <button
      type="button"
      ref={ref}
      aria-label={`Account menu for ${user.name}`}
      {...props}
      className="flex items-center gap-2 rounded-full border border-slate-200 bg-white py-1 pl-1 pr-3 text-sm font-medium text-slate-800 hover:bg-slate-50"
    >
      <span aria-hidden className="grid h-7 w-7 place-items-center rounded-full bg-gradient-primary text-xs font-bold text-white">
        {initials(user.name)}
      </span>
      <span className="hidden sm:inline">{user.name}</span>
    </button>
  );
});

export function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join("");
}
