export type Option = { value: string; label: string };

/** Radix's empty-string value means "no selection", so this stands in for an empty choice. */
export const NONE = "__none__";
