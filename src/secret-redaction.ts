import { wellFormed } from "./json-safe.js";
import type { JsonValue } from "./models.js";

/** What replaces the signing secret wherever it appears in a receipt. */
export const REDACTED = "[REDACTED]";

/**
 * Finds the receipt signing secret in a receipt's canonical text and removes it from every
 * string of the receipt. Anyone who can read a receipt could forge receipts and journal entries
 * with the secret, and any code may put it there (a policy or role lookup whose error quotes its
 * configuration, a connector's output, a note): so the signer checks every receipt it signs.
 * The check is one `includes` on the text that is about to be hashed anyway; the receipt is
 * rebuilt only when it hits.
 */
export class SecretRedactor {
  readonly #secret: string;
  /** The secret as it appears inside a JSON (and JCS) string: escaped the way both escape. */
  readonly #escaped: string;

  constructor(secret: string) {
    // Receipt strings are well formed, so a secret with a lone surrogate appears with U+FFFD.
    this.#secret = wellFormed(secret);
    this.#escaped = JSON.stringify(this.#secret).slice(1, -1);
  }

  /** True when `canonicalText` may hold the secret (false positives only cost a rebuild). */
  appearsIn(canonicalText: string): boolean {
    return this.#secret.length > 0 && canonicalText.includes(this.#escaped);
  }

  /**
   * A copy of `receipt` with the secret replaced by `[REDACTED]` in every string value and in every
   * key below the top level (the receipt's own field names are fixed, and must stay what they are).
   */
  redactReceipt<T extends object>(receipt: T): T {
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(receipt)) copy[key] = this.#redact(value as JsonValue);
    return copy as T;
  }

  #redact(value: JsonValue): JsonValue {
    if (typeof value === "string") return this.#text(value);
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((item) => this.#redact(item));
    const copy: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty, not assignment: a key named "__proto__" must stay a plain key.
      Object.defineProperty(copy, this.#text(key), { value: this.#redact(item), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }

  #text(text: string): string {
    return text.includes(this.#secret) ? text.split(this.#secret).join(REDACTED) : text;
  }
}
