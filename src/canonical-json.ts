import canonicalize from "canonicalize";
import { isPlainRecord } from "./plain-record.js";

/**
 * RFC 8785 (JCS) serialization, fast path. Receipts are plain JSON by construction (built from
 * `toJsonSafe` output, or read back with `JSON.parse`), so signing and verifying need only the
 * plain-JSON subset of JCS: sorted keys (UTF-16 code units, which is what `Array.prototype.sort`
 * compares), and JSON.stringify's number formatting and string escaping, which RFC 8785 adopts
 * from ECMAScript. Anything outside that subset (toJSON, bigint, NaN, undefined in arrays,
 * functions, lone surrogates, very deep or circular values) falls back to the `canonicalize`
 * package, the reference implementation, so the result is always byte-identical to it.
 */
export function jcs(value: unknown): string | undefined {
  return serialize(value, 0) ?? canonicalize(value);
}

/**
 * `jcs` of `value` without its `key` property, exactly as `jcs` of `{ ...value }` minus that key
 * (the bytes a receipt's signature covers), without copying a plain object first.
 */
export function jcsWithout(value: object, key: string): string | undefined {
  const split = jcsSplit(value, key);
  if (split !== undefined) return joinSplit(split);
  const { [key]: _omitted, ...rest } = value as Record<string, unknown>;
  return jcs(rest);
}

/**
 * The canonical form of an object without one key, in two halves around the place where that
 * key's member sorts: joined, they are `jcsWithout`; with a member between them, the canonical
 * form of the object with that key set (`jcsWithMember`), without serializing anything again.
 */
export interface JcsSplit {
  /** `{` and the members that sort before the key. */
  readonly head: string;
  /** The members that sort after the key, and `}`. */
  readonly tail: string;
  readonly membersBefore: boolean;
  readonly membersAfter: boolean;
}

/** `value` split around `key` (see `JcsSplit`); undefined outside the plain-JSON fast path. */
export function jcsSplit(value: object, key: string): JcsSplit | undefined {
  if (!isPlainRecord(value)) return undefined;
  const { sorted, members } = keyOrder(value);
  let head = "{";
  let tail = "";
  let membersBefore = false;
  let membersAfter = false;
  for (let index = 0; index < sorted.length; index++) {
    const name = sorted[index] as string;
    const item = value[name];
    // canonicalize skips these two in objects; every other non-JSON value leaves the fast path.
    if (name === key || item === undefined || typeof item === "symbol") continue;
    const member = members[index];
    if (member === undefined) return undefined;
    const serialized = serialize(item, 1);
    if (serialized === undefined) return undefined;
    // `<` compares UTF-16 code units, the order RFC 8785 sorts keys in.
    if (name < key) {
      head += membersBefore ? `,${member}${serialized}` : `${member}${serialized}`;
      membersBefore = true;
    } else {
      tail += membersAfter ? `,${member}${serialized}` : `${member}${serialized}`;
      membersAfter = true;
    }
  }
  return { head, tail: `${tail}}`, membersBefore, membersAfter };
}

/** The canonical form of the split object without its key. */
export function joinSplit(split: JcsSplit): string {
  return split.membersBefore && split.membersAfter ? `${split.head},${split.tail}` : `${split.head}${split.tail}`;
}

/**
 * The canonical form of the split object with `key` set to the value whose canonical form is
 * `valueJcs`; `joined` is `joinSplit(split)`. Made of slices of `joined`, which is flat once it
 * has been hashed: the result then holds a handful of pieces, not one per member (a text kept in
 * a store as a tree of thousands of pieces costs the garbage collector dearly).
 */
export function jcsWithMember(split: JcsSplit, joined: string, key: string, valueJcs: string): string {
  // JSON.stringify quotes a key exactly as RFC 8785 does (which is where RFC 8785 took it from).
  const member = `${JSON.stringify(key)}:${valueJcs}`;
  const at = split.head.length;
  // With members after the key, `joined.slice(at)` starts with the comma that follows `member`
  // when members also precede it; otherwise that comma must be added.
  const before = split.membersBefore ? "," : "";
  const after = split.membersAfter && !split.membersBefore ? "," : "";
  return `${joined.slice(0, at)}${before}${member}${after}${joined.slice(at)}`;
}

// Deeper than this, defer to canonicalize, which detects cycles instead of overflowing the stack.
const MAX_DEPTH = 200;

type WellFormedString = string & { isWellFormed(): boolean };

// undefined means "outside the fast path": the caller falls back to canonicalize for the whole value.
function serialize(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      // For a finite number JSON.stringify is ToString, which a template literal applies directly.
      return Number.isFinite(value) ? `${value}` : undefined;
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      if (depth > MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === "function") return undefined;
      return Array.isArray(value) ? serializeArray(value, depth) : serializeObject(value as Record<string, unknown>, depth);
    default:
      return undefined;
  }
}

function serializeArray(array: readonly unknown[], depth: number): string | undefined {
  let text = "[";
  for (let index = 0; index < array.length; index++) {
    const item = serialize(array[index], depth + 1);
    if (item === undefined) return undefined;
    text += index === 0 ? item : `,${item}`;
  }
  return `${text}]`;
}

function serializeObject(object: Record<string, unknown>, depth: number): string | undefined {
  const { sorted, members } = keyOrder(object);
  let text = "{";
  let first = true;
  for (let index = 0; index < sorted.length; index++) {
    const key = sorted[index] as string;
    const item = object[key];
    // canonicalize skips these two in objects; every other non-JSON value leaves the fast path.
    if (item === undefined || typeof item === "symbol") continue;
    const member = members[index];
    if (member === undefined) return undefined;
    const serialized = serialize(item, depth + 1);
    if (serialized === undefined) return undefined;
    text += first ? `${member}${serialized}` : `,${member}${serialized}`;
    first = false;
  }
  return `${text}}`;
}

/**
 * A key list in RFC 8785 order: the keys sorted by UTF-16 code units, and each one quoted with its
 * colon (`"runId":`), undefined for a key with a lone surrogate (outside the fast path).
 */
export interface KeyOrder {
  readonly keys: readonly string[];
  readonly sorted: readonly string[];
  readonly members: readonly (string | undefined)[];
}

// Receipts repeat the same few key lists (the receipt's own, each policy result's, the payload's):
// the order of a list is kept, keyed by its first key, and reused when an object's keys are that
// same list in the same order (comparing keys is cheaper than sorting and quoting them). Bounded,
// so a hostile payload cannot grow it without limit; a list that is not kept is simply sorted.
const KEY_ORDERS = new Map<string, KeyOrder>();
const MAX_KEY_ORDERS = 1024;
const MAX_KEPT_LIST_LENGTH = 64;
const NO_KEYS: KeyOrder = { keys: [], sorted: [], members: [] };

/** The RFC 8785 order of `object`'s keys: the same object for every object with the same key list while that list is kept. Exported for tests. */
export function keyOrder(object: Record<string, unknown>): KeyOrder {
  const keys = Object.keys(object);
  const first = keys[0];
  if (first === undefined) return NO_KEYS;
  const known = KEY_ORDERS.get(first);
  if (known !== undefined && sameKeys(known.keys, keys)) return known;
  const sorted = [...keys].sort();
  const order: KeyOrder = { keys, sorted, members: sorted.map((key) => quote(key)?.concat(":")) };
  if (keys.length <= MAX_KEPT_LIST_LENGTH && (known !== undefined || KEY_ORDERS.size < MAX_KEY_ORDERS)) {
    KEY_ORDERS.set(first, order);
  }
  return order;
}

/** How many key lists are kept (at most MAX_KEY_ORDERS). Exported for tests. */
export function keptKeyOrders(): number {
  return KEY_ORDERS.size;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

// No character JSON.stringify escapes (quote, backslash, controls) and no surrogate: such a
// string's JSON form is itself in quotes. Testing for that is about twice as fast as JSON.stringify.
const PLAIN_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

// JSON.stringify's quoting; undefined for a string with a lone surrogate (outside the fast path).
function quote(text: string): string | undefined {
  if (PLAIN_STRING.test(text)) return `"${text}"`;
  return (text as WellFormedString).isWellFormed() ? JSON.stringify(text) : undefined;
}
