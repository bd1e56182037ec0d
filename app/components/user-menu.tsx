import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { useRouteLoaderData, useSubmit } from "@remix-run/react";
import type { CurrentUser } from "~/auth/current-user";
import { UserMenuTrigger } from "./user-menu-trigger";

export default function UserMenu({ user }: { user: CurrentUser }) {
  const submit = useSubmit();
  const csrf = useRouteLoaderData<{ csrfToken: string | null }>("root")?.csrfToken;
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger asChild>
        <UserMenuTrigger user={user} />
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content align="end" sideOffset={6} className="z-50 min-w-52 rounded-xl border border-slate-200 bg-white p-1.5 shadow-xl">
          <DropdownMenu.Label className="px-2.5 py-1.5 text-xs text-slate-500">
            {user.email} · {user.role}
          </DropdownMenu.Label>
          <DropdownMenu.Item asChild>
            <a href="/settings/profile" className="block rounded-lg px-2.5 py-2 text-sm text-slate-800 outline-none data-[highlighted]:bg-slate-100">
              Profile and API tokens
            </a>
          </DropdownMenu.Item>
          <DropdownMenu.Separator className="my-1 h-px bg-slate-100" />
          {/* Submitted programmatically: the menu unmounts on select, which would drop a native submit. */}
          <DropdownMenu.Item
            onSelect={() => submit(csrf ? { csrf } : {}, { method: "post", action: "/logout" })}
            className="w-full cursor-pointer rounded-lg px-2.5 py-2 text-left text-sm text-slate-800 outline-none data-[highlighted]:bg-slate-100"
          >
            Sign out
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
