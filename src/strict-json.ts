/**
 * JSON.parse keeps the last of duplicate keys; other readers (jq, Python, Go, a reviewer's eye)
 * may see the first. A stored receipt or journal line with a repeated key can therefore show an
 * auditor text other than what was signed, and no writer of ours produces one: reject it.
 */
export class DuplicateJsonKeyError extends SyntaxError {
  override readonly name = "DuplicateJsonKeyError";

  constructor(readonly key: string) {
    super(`has the key ${JSON.stringify(key)} twice in one object (tampered: readers may disagree on its value)`);
  }
}

/**
 * JSON.parse, refusing any object with a key twice (also when spelled with different escapes,
 * `"a"` and `"\u0061"`). Throws SyntaxError for text that is not JSON, DuplicateJsonKeyError for a
 * repeated key.
 */
export function parseStrictJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // Fast path, for text without \u escapes (as JSON.stringify writes receipts): each key puts one
  // colon in the text outside strings, and every colon inside a string is a colon of the parsed
  // string. A repeated key adds a colon (and its dropped value's colons) that the parsed value
  // lacks, so the counts differ exactly when a key repeats. With \u escapes (`\u003a` is a colon
  // the text does not show) the scan below decides.
  if (!text.includes("\\u") && countColons(text) === colonsOf(value)) return value;
  assertNoDuplicateKeys(text);
  return value;
}

/** Colons in `text`. */
function countColons(text: string): number {
  let count = 0;
  for (let index = text.indexOf(":"); index !== -1; index = text.indexOf(":", index + 1)) count += 1;
  return count;
}

/** Keys, and colons in keys and string values, of a parsed JSON value (without recursion: nesting may be deep). */
function colonsOf(root: unknown): number {
  let count = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === "string") {
      if (value.includes(":")) count += countColons(value);
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === "object" && value !== null) {
      for (const key of Object.keys(value)) {
        count += 1;
        if (key.includes(":")) count += countColons(key);
        pending.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return count;
}

// Every string token whole (no brace inside a string is taken for structure), with the colon
// that makes it a key; and every brace. Quotes occur in valid JSON only in strings, so each
// match starts at a token.
const TOKEN = /("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?|[{}]/g;

/**
 * Throws DuplicateJsonKeyError when `json`, which must be valid JSON text, has an object with a
 * key twice. One pass that keeps only the keys of the objects open at each point.
 */
export function assertNoDuplicateKeys(json: string): void {
  const enclosing: (Set<string> | undefined)[] = [];
  let keys: Set<string> | undefined;
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(json); match !== null; match = TOKEN.exec(json)) {
    const [token, written, colon] = match;
    if (token === "{") {
      enclosing.push(keys);
      keys = new Set();
    } else if (token === "}") {
      keys = enclosing.pop();
    } else if (colon !== undefined && written !== undefined && keys !== undefined) {
      // Decoded only when it has escapes: the one way two spellings can name one key.
      const key = written.includes("\\") ? (JSON.parse(written) as string) : written.slice(1, -1);
      if (keys.has(key)) throw new DuplicateJsonKeyError(key);
      keys.add(key);
    }
  }
}
