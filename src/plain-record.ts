/**
 * True for a `{}`-style object (prototype `Object.prototype` or null) without its own `toJSON`:
 * one whose JSON form is exactly its own enumerable string keys, so `Object.keys` is all there is
 * to walk. The JSON-safe conversion and the canonical serializer both take a fast path for these.
 */
export function isPlainRecord(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && typeof (value as { toJSON?: unknown }).toJSON !== "function";
}
