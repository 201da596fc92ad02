import type { JsonValue } from "./models.js";

/**
 * Turns any value into plain JSON, once, when a receipt is built, so that the bytes that are
 * signed are exactly the bytes that are stored and read back:
 * Date → ISO string, bigint → decimal string, bytes → base64, Map → object, Set → array,
 * Error → { name, message }, NaN/±Infinity → their names as strings, `undefined`, functions and
 * symbols dropped from objects (null in arrays, as JSON.stringify does), lone UTF-16
 * surrogates → U+FFFD, a circular reference → "[Circular]".
 */
export function toJsonSafe(value: unknown): JsonValue {
  return convert(value, new Set());
}

/** `toJsonSafe` for values that must stay objects (payloads, outputs). */
export function toJsonSafeObject(value: unknown): { [key: string]: JsonValue } {
  const safe = toJsonSafe(value);
  return safe !== null && typeof safe === "object" && !Array.isArray(safe) ? safe : { value: safe };
}

function convert(value: unknown, ancestors: Set<object>): JsonValue {
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
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (ArrayBuffer.isView(object)) {
    return Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString("base64");
  }
  if (object instanceof ArrayBuffer) return Buffer.from(object).toString("base64");
  if (ancestors.has(object)) return "[Circular]";
  ancestors.add(object);
  try {
    return convertContainer(object, ancestors);
  } finally {
    ancestors.delete(object);
  }
}

function convertContainer(object: object, ancestors: Set<object>): JsonValue {
  if (Array.isArray(object)) return object.map((item) => convert(item, ancestors));
  if (object instanceof Set) return [...object].map((item) => convert(item, ancestors));
  if (object instanceof Map) {
    return convertEntries([...object].map(([key, item]) => [String(key), item]), ancestors);
  }
  if (object instanceof Error) {
    return convertEntries([["name", object.name], ["message", object.message]], ancestors);
  }
  const withToJson = object as { toJSON?: unknown };
  if (typeof withToJson.toJSON === "function") {
    return convert((withToJson.toJSON as () => unknown).call(object), ancestors);
  }
  return convertEntries(Object.entries(object), ancestors);
}

function convertEntries(entries: Array<[string, unknown]>, ancestors: Set<object>): JsonValue {
  const result: { [key: string]: JsonValue } = {};
  for (const [key, item] of entries) {
    if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
    const safeKey = wellFormed(key);
    // defineProperty, not assignment: a key named "__proto__" must stay a plain key.
    Object.defineProperty(result, safeKey, {
      value: convert(item, ancestors),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// A lone surrogate has no UTF-8 encoding, so it could not be signed byte-for-byte.
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}
