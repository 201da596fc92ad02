import type { JsonValue, PolicyResult } from "./models.js";
import { isPlainRecord } from "./plain-record.js";

/**
 * Turns any value into plain JSON, once, when a receipt is built, so that the bytes that are
 * signed are exactly the bytes that are stored and read back:
 * Date → ISO string, bigint → decimal string, bytes → base64, Map → object, Set → array,
 * Error → { name, message }, NaN/±Infinity → their names as strings, `undefined`, functions and
 * symbols dropped from objects (null in arrays, as JSON.stringify does), lone UTF-16
 * surrogates → U+FFFD, a circular reference → "[Circular]".
 */
export function toJsonSafe(value: unknown): JsonValue {
  if (isFrozenSnapshot(value)) return value;
  return convertTree(value, false);
}

/** `toJsonSafe` for values that must stay objects (payloads, outputs). */
export function toJsonSafeObject(value: unknown): { [key: string]: JsonValue } {
  const safe = toJsonSafe(value);
  return isJsonObject(safe) ? safe : { value: safe };
}

/**
 * `toJsonSafeObject`, deep-frozen in the same pass: the payload snapshot a run checks, executes
 * and records. Being frozen, it can never stop being JSON-safe, so `toJsonSafe` hands it back as
 * is instead of converting it again when the receipt is built.
 */
export function toFrozenJsonSafeObject(value: unknown): { [key: string]: JsonValue } {
  if (isFrozenSnapshot(value)) return value;
  const safe = convertTree(value, true);
  const snapshot = isJsonObject(safe) ? safe : Object.freeze({ value: safe });
  FROZEN_SNAPSHOTS.add(snapshot);
  return snapshot;
}

/**
 * `toJsonSafe` of a run's policy results, the same value by a shorter way for results shaped as
 * `evaluatePolicies` copies them (plain `{ policy, passed, reason }` objects, in that key order,
 * with a string, a boolean and a string): only their two strings need making well formed. Any
 * other element sends the whole list through `toJsonSafe`. Every run converts its results: the
 * shortcut takes 6% off the instructions of a run with five policies (measured with callgrind).
 */
export function toJsonSafePolicyResults(results: readonly PolicyResult[]): PolicyResult[] {
  if (!Array.isArray(results)) return toJsonSafe(results) as PolicyResult[];
  const safe: PolicyResult[] = new Array<PolicyResult>(results.length);
  for (let index = 0; index < results.length; index++) {
    const copied = copiedPolicyResult(results[index]);
    if (copied === undefined) return toJsonSafe(results) as PolicyResult[];
    safe[index] = copied;
  }
  return safe;
}

// Each field is read once, as the generic walk would: a getter cannot answer the check and the copy differently.
function copiedPolicyResult(value: unknown): PolicyResult | undefined {
  if (typeof value !== "object" || value === null || !isPlainRecord(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 3 || keys[0] !== "policy" || keys[1] !== "passed" || keys[2] !== "reason") return undefined;
  const { policy, passed, reason } = value;
  if (typeof policy !== "string" || typeof passed !== "boolean" || typeof reason !== "string") return undefined;
  return { policy: wellFormed(policy), passed, reason: wellFormed(reason) };
}

// Only objects made by toFrozenJsonSafeObject: JSON-safe and deep-frozen, hence safe to share.
const FROZEN_SNAPSHOTS = new WeakSet<object>();

function isFrozenSnapshot(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && FROZEN_SNAPSHOTS.has(value);
}

function isJsonObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

interface Conversion {
  /**
   * The first `SHALLOW_LEVELS` containers being converted, from the root down, and the deeper
   * ones in `deeper`: meeting one of them again is a cycle.
   */
  path: object[];
  deeper: Set<object> | undefined;
  /** Freeze every container as it is built. */
  freeze: boolean;
}

/**
 * Ancestors this close to the root are kept in an array and searched one by one, deeper ones in
 * a Set. A Set insert, lookup and delete per container was 4% of the instructions of a run with
 * a small payload (measured with callgrind), where a short array costs next to nothing; the Set
 * keeps a deep value's walk linear.
 */
const SHALLOW_LEVELS = 16;

/**
 * The deepest nesting converted. Deeper values are refused with a `RangeError` before they could
 * overflow the stack (here, in the canonical serializer or in a reader's JSON parser); a run
 * whose payload is refused this way is blocked with a receipt.
 */
export const MAX_JSON_DEPTH = 1000;

/** Converts a whole value: the root has no ancestors. */
function convertTree(value: unknown, freeze: boolean): JsonValue {
  return convert(value, { path: [], deeper: undefined, freeze });
}

function isAncestor(object: object, state: Conversion): boolean {
  return state.path.includes(object) || state.deeper?.has(object) === true;
}

function convert(value: unknown, state: Conversion): JsonValue {
  switch (typeof value) {
    case "string":
      return wellFormed(value);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "bigint":
      return value.toString(10);
    case "undefined":
    case "function":
    case "symbol":
      return null;
    default:
      break;
  }
  if (value === null) return null;
  const object = value as object;
  if (isAncestor(object, state)) return "[Circular]";
  // What agents send is almost always plain objects and arrays: they are told apart first, and
  // walked by index, without the entry arrays Object.entries would allocate for every key.
  if (Array.isArray(object)) return enter(object, state, convertArray);
  if (isPlainRecord(object)) return enter(object, state, convertPlainObject);
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (ArrayBuffer.isView(object)) {
    return Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString("base64");
  }
  if (object instanceof ArrayBuffer) return Buffer.from(object).toString("base64");
  return enter(object, state, convertOther);
}

/**
 * Converts a container with `convertContents`, marked as an ancestor meanwhile (to spot cycles).
 * Nothing to unmark when it throws: the whole conversion is abandoned with its state.
 */
function enter<T extends object>(object: T, state: Conversion, convertContents: (object: T, state: Conversion) => JsonValue): JsonValue {
  const { path } = state;
  let container: JsonValue;
  if (path.length < SHALLOW_LEVELS) {
    path.push(object);
    container = convertContents(object, state);
    path.pop();
  } else {
    const deeper = (state.deeper ??= new Set());
    if (path.length + deeper.size >= MAX_JSON_DEPTH) throw new RangeError(`The value is nested deeper than ${MAX_JSON_DEPTH} levels`);
    deeper.add(object);
    container = convertContents(object, state);
    deeper.delete(object);
  }
  return state.freeze ? (Object.freeze(container) as JsonValue) : container;
}

function convertOther(object: object, state: Conversion): JsonValue {
  if (object instanceof Set) return convertArray([...object], state);
  if (object instanceof Map) {
    return convertEntries([...object].map(([key, item]) => [String(key), item]), state);
  }
  if (object instanceof Error) {
    return convertEntries([["name", object.name], ["message", object.message]], state);
  }
  const withToJson = object as { toJSON?: unknown };
  if (typeof withToJson.toJSON === "function") {
    return convert((withToJson.toJSON as () => unknown).call(object), state);
  }
  return convertEntries(Object.entries(object), state);
}

function convertArray(array: readonly unknown[], state: Conversion): JsonValue[] {
  const result: JsonValue[] = new Array<JsonValue>(array.length);
  for (let index = 0; index < array.length; index++) result[index] = convert(array[index], state);
  return result;
}

function convertPlainObject(object: Record<string, unknown>, state: Conversion): JsonValue {
  const result: { [key: string]: JsonValue } = {};
  const keys = Object.keys(object);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    setMember(result, key, object[key], state);
  }
  return result;
}

function convertEntries(entries: Array<[string, unknown]>, state: Conversion): JsonValue {
  const result: { [key: string]: JsonValue } = {};
  for (const [key, item] of entries) setMember(result, key, item, state);
  return result;
}

function setMember(result: { [key: string]: JsonValue }, key: string, item: unknown, state: Conversion): void {
  if (item === undefined || typeof item === "function" || typeof item === "symbol") return;
  const safeKey = wellFormed(key);
  const safeItem = convert(item, state);
  if (safeKey === "__proto__") {
    // defineProperty, not assignment: a key named "__proto__" must stay a plain key.
    Object.defineProperty(result, safeKey, { value: safeItem, enumerable: true, writable: true, configurable: true });
  } else {
    result[safeKey] = safeItem;
  }
}

type StringWithWellFormed = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * `text` with every lone UTF-16 surrogate replaced by U+FFFD. A lone surrogate has no UTF-8
 * encoding, so it could not be signed byte-for-byte. isWellFormed is a native scan, so the
 * common case costs no copy.
 */
export function wellFormed(text: string): string {
  const candidate = text as StringWithWellFormed;
  return candidate.isWellFormed() ? text : candidate.toWellFormed();
}
