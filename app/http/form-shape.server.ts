/**
 * Conform turns the indexes in field names into arrays: `categories[99999999]=x` alone makes a list of
 * a hundred million slots, which the form then echoes back (hundreds of MB for one small request).
 * No form of ours has a list longer than this, so a larger index is refused before any action parses it.
 */
export const MAX_FORM_LIST_INDEX = 999;

const LIST_INDEX = /\[(\d+)\]/g;

/** The first field name whose list index is out of bounds, or null. */
export function fieldWithOversizedIndex(names: Iterable<string>): string | null {
  for (const name of names) {
    for (const [, index] of name.matchAll(LIST_INDEX)) {
      if (index!.length > 4 || Number(index) > MAX_FORM_LIST_INDEX) return name;
    }
  }
  return null;
}

export const isFormContentType = (contentType: string | null) =>
  Boolean(contentType && (contentType.startsWith("application/x-www-form-urlencoded") || contentType.startsWith("multipart/form-data")));
