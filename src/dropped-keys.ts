import { isPlainRecord } from "./plain-record.js";

/** How many dropped keys a BLOCK reason names; the rest are counted. */
const NAMED = 10;

/**
 * The paths (`sql`, `data.note`, `files[0].mode`) of keys of `received` that `parsed` lost: keys a
 * payload schema stripped (zod's `z.object` drops unknown keys by default). Policies check the
 * parsed payload while the receipt records the received one, so such keys would be recorded
 * without any policy having seen them. Only objects and arrays present in both are compared:
 * a value the schema turned into something else is the schema's to explain.
 */
export function droppedKeys(received: unknown, parsed: unknown): string[] {
  const found: string[] = [];
  collect(received, parsed, "", found);
  return found;
}

/** A payload_schema BLOCK reason naming the dropped keys. */
export function droppedKeysReason(paths: readonly string[]): string {
  const named = paths.slice(0, NAMED).join(", ");
  const more = paths.length > NAMED ? ` and ${paths.length - NAMED} more` : "";
  return (
    `Unrecognized key(s) in payload: ${named}${more}. The payload schema drops them, so no policy would ` +
    "check them while the receipt records them; remove them, or declare them in the workflow's schema."
  );
}

function collect(received: unknown, parsed: unknown, path: string, found: string[]): void {
  if (typeof received !== "object" || received === null || typeof parsed !== "object" || parsed === null) return;
  if (Array.isArray(received)) {
    if (!Array.isArray(parsed)) return;
    const shared = Math.min(received.length, parsed.length);
    for (let index = 0; index < shared; index++) collect(received[index], parsed[index], `${path}[${index}]`, found);
    return;
  }
  if (Array.isArray(parsed) || !isPlainRecord(received) || !isPlainRecord(parsed)) return;
  for (const key of Object.keys(received)) {
    const at = path === "" ? key : `${path}.${key}`;
    if (Object.hasOwn(parsed, key)) collect(received[key], parsed[key], at, found);
    else found.push(at);
  }
}
