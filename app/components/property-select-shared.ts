/** `group` puts the option under a heading (statuses under their category); options of a group are adjacent. */
export type Option = { value: string; label: string; group?: string };

/** Radix's empty-string value means "no selection", so this stands in for an empty choice. */
export const NONE = "__none__";

/** Adjacent options of the same group, in order; ungrouped options form groups with no heading. */
export function groupOptions(options: Option[]): Array<{ heading: string | undefined; options: Option[] }> {
  const groups: Array<{ heading: string | undefined; options: Option[] }> = [];
  for (const option of options) {
    const last = groups.at(-1);
    if (last && last.heading === option.group) last.options.push(option);
    else groups.push({ heading: option.group, options: [option] });
  }
  return groups;
}
