import * as z from "zod";
import { AppError } from "./app-error";

/**
 * Keyset cursors: the sort keys of the last row, as PostgreSQL printed them (text keeps
 * microsecond timestamps and float ranks exact), in an opaque base64url string.
 */
const cursorSchema = z.array(z.string().max(100)).min(1).max(4);

export function encodeCursor(keys: Array<string | number>): string {
  return Buffer.from(JSON.stringify(keys.map(String))).toString("base64url");
}

export function decodeCursor(cursor: string | undefined, length: number): string[] | null {
  if (!cursor) return null;
  try {
    const keys = cursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (keys.length === length) return keys;
  } catch {
    // fall through to the error below
  }
  throw new AppError("invalid_cursor", "That page cursor is not valid for this list. Start again from the first page.", { field: "cursor" });
}

export type Page<T> = { items: T[]; nextCursor: string | null };
