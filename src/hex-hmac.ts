import { createHmac, timingSafeEqual, type KeyObject } from "node:crypto";

/** An HMAC-SHA256 as this project writes it: 64 lowercase hex digits. */
const HEX_MAC = /^[0-9a-f]{64}$/;

/**
 * HMAC-SHA256 under one key, written and checked as 64 lowercase hex digits. A check compares the
 * hex texts in constant time through two buffers kept for the purpose, so it allocates no Buffer:
 * with a digest Buffer and a decoded one per check, checking a store's 10,000 receipts and
 * journal entries took a third longer in their MACs.
 */
export class HexHmac {
  readonly #key: KeyObject;
  readonly #computed = Buffer.alloc(64);
  readonly #claimed = Buffer.alloc(64);

  constructor(key: KeyObject) {
    this.#key = key;
  }

  /** The HMAC of `text` (UTF-8), as 64 lowercase hex digits. */
  of(text: string): string {
    return createHmac("sha256", this.#key).update(text, "utf8").digest("hex");
  }

  /** True when `mac` is 64 lowercase hex digits and the HMAC of `text`. Constant time; never throws. */
  matches(text: string, mac: unknown): boolean {
    if (typeof mac !== "string" || !HEX_MAC.test(mac)) return false;
    this.#computed.write(this.of(text), "latin1");
    this.#claimed.write(mac, "latin1");
    return timingSafeEqual(this.#computed, this.#claimed);
  }
}
