import * as Select from "@radix-ui/react-select";
import type { ReactNode } from "react";
import { groupOptions, NONE, type Option } from "./property-select-shared";

export default function RadixPropertySelect({
  id,
  name,
  labelElement,
  defaultValue,
  options,
}: {
  id: string;
  name: string;
  labelElement: ReactNode;
  defaultValue: string;
  options: Option[];
}) {
  return (
    <div className="space-y-1">
      {labelElement}
      <Select.Root name={name} defaultValue={defaultValue || NONE}>
        <Select.Trigger
          id={id}
          aria-labelledby={`${id}-label`}
          className="flex w-full items-center justify-between rounded-lg border border-slate-300 bg-white px-3 py-2 text-left text-sm text-slate-900 data-[state=open]:border-brand-500"
        >
          <Select.Value />
          <Select.Icon aria-hidden className="text-slate-500">
            ▾
          </Select.Icon>
        </Select.Trigger>
        <Select.Portal>
          <Select.Content
            position="popper"
            sideOffset={4}
            className="z-50 max-h-72 min-w-[var(--radix-select-trigger-width)] overflow-hidden rounded-xl border border-slate-200 bg-white p-1 shadow-xl"
          >
            <Select.Viewport>
              {groupOptions(options).map((group, index) => (
                <Select.Group key={group.heading ?? `group-${index}`}>
                  {group.heading ? (
                    <Select.Label className="px-2.5 pb-0.5 pt-2 text-[11px] font-semibold uppercase tracking-wide text-slate-500">{group.heading}</Select.Label>
                  ) : null}
                  {group.options.map((option) => (
                    <Select.Item
                      key={option.value || NONE}
                      value={option.value || NONE}
                      className="cursor-pointer rounded-lg px-2.5 py-1.5 text-sm text-slate-800 outline-none data-[highlighted]:bg-brand-500/10 data-[state=checked]:font-semibold"
                    >
                      <Select.ItemText>{option.label}</Select.ItemText>
                    </Select.Item>
                  ))}
                </Select.Group>
              ))}
            </Select.Viewport>
          </Select.Content>
        </Select.Portal>
      </Select.Root>
    </div>
  );
}
