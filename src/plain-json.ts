import { types } from "node:util";
import { MAX_JSON_DEPTH } from "./json-safe.js";

/** A receipt is a few levels above its deepest payload or output. */
const MAX_DEPTH = MAX_JSON_DEPTH + 8;
/** Bounds the walk over a value built to be huge (shared sub-objects repeat in its JSON form). */
const MAX_NODES = 1_000_000;

/**
 * True when `value` is plain JSON data, read the same way by every reader: strings, finite
 * numbers, booleans, null, and arrays and `{}`-objects (prototype `Array.prototype`,
 * `Object.prototype` or null) that are not proxies and hold only enumerable data properties
 * (no getters, no `toJSON` method, no symbol or hidden keys, no holes, no cycles; an undefined
 * member of an object reads as absent, as JSON has it). What
 * `JSON.parse` returns always is. A signature is only checked on such values: on anything else,
 * what a program reads (through a getter or a proxy) may differ from what was checked (through
 * `toJSON`, or on another read). Never throws.
 */
export function isPlainJsonData(value: unknown): boolean {
  try {
    return isPlain(value, 0, new Set(), { left: MAX_NODES });
  } catch {
    return false;
  }
}

function isPlain(value: unknown, depth: number, ancestors: Set<object>, budget: { left: number }): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  budget.left -= 1;
  if (budget.left < 0 || depth > MAX_DEPTH || types.isProxy(value) || ancestors.has(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value);
  if (isArray ? prototype !== Array.prototype : prototype !== Object.prototype && prototype !== null) return false;
  const keys = Reflect.ownKeys(value);
  // An array's own keys are its indices and its (hidden) length: any other is a hole or an extra.
  if (isArray && keys.length !== (value as unknown[]).length + 1) return false;
  ancestors.add(value);
  for (const key of keys) {
    if (typeof key === "symbol") return false;
    if (isArray && key === "length") continue;
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor === undefined || !("value" in descriptor) || descriptor.enumerable !== true) return false;
    // An undefined member reads as absent, which is what JSON and the signature make of it.
    if (!isArray && descriptor.value === undefined) continue;
    if (!isPlain(descriptor.value, depth + 1, ancestors, budget)) return false;
  }
  ancestors.delete(value);
  return true;
}
