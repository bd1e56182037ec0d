/**
 * The header fields of an RFC 5322 message, as written (encoded words stay encoded: this is what
 * the receiving server sees), each folded field joined back onto one line. Pure and linear.
 */
export function headerFields(rawSource: string): Array<[name: string, value: string]> {
  const end = rawSource.search(/\r?\n\r?\n/);
  const head = end === -1 ? rawSource : rawSource.slice(0, end);
  const fields: Array<[string, string]> = [];
  for (const line of head.split(/\r?\n/)) {
    const last = fields.at(-1);
    if ((line.startsWith(" ") || line.startsWith("\t")) && last) {
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon > 0) fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return fields;
}
