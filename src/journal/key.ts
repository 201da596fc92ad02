import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { HexHmac } from "../hex-hmac.js";

/** Labels the journal's key so a journal MAC can never be mistaken for a receipt signature. */
const JOURNAL_KEY_LABEL = "enact-sdk journal v1";

/**
 * The key of the public journal: SHA-256 of this label. Everyone can compute it, so its "MACs" are
 * a keyed hash chain anyone can check (see `JournalKey.publicChain`).
 */
const PUBLIC_JOURNAL_LABEL = "enact-sdk public journal v1";

/**
 * The key that seals the receipt journal: HMAC-SHA256(secret, "enact-sdk journal v1"), derived
 * from the client's signing secret. A store holding it can chain journal entries but cannot sign
 * receipts, and an entry's MAC is never a valid receipt signature (different key).
 *
 * The key lives in a private field: it is not enumerable, not serialized and not printed.
 *
 * @example
 * const store = new FileReceiptStore("receipts", { journalKey: JournalKey.fromSecret(process.env.ENACT_SECRET!) });
 */
export class JournalKey {
  readonly #key: KeyObject;
  readonly #hmac: HexHmac;
  readonly #fingerprint: Buffer;

  /** True for the public chain's key (see `publicChain`). */
  readonly isPublic: boolean;

  private constructor(derived: Buffer, isPublic = false) {
    this.isPublic = isPublic;
    this.#key = createSecretKey(derived);
    this.#hmac = new HexHmac(this.#key);
    this.#fingerprint = this.#digest("fingerprint");
  }

  /** Derives the journal key from a receipt signing secret. */
  static fromSecret(secret: string): JournalKey {
    if (typeof secret !== "string" || secret === "") throw new TypeError("The journal key needs a non-empty secret");
    return new JournalKey(createHmac("sha256", Buffer.from(secret, "utf8")).update(JOURNAL_KEY_LABEL).digest());
  }

  /**
   * The journal key of stores written by Ed25519 clients: HMAC-SHA256 keyed with SHA-256("enact-sdk
   * public journal v1"), a key everyone knows. The journal is then a hash chain anyone can check
   * (each entry's MAC covers the previous one's), and each entry records the receipt's Ed25519
   * signature, so an auditor with only public keys verifies the whole store. Unlike a secret-keyed
   * journal, someone with write access can rebuild a public chain after deleting receipts: record
   * the head elsewhere (`verify --anchor`) to detect that (see the notes on signed seals).
   */
  static publicChain(): JournalKey {
    return new JournalKey(createHash("sha256").update(PUBLIC_JOURNAL_LABEL, "utf8").digest(), true);
  }

  /** Lowercase hex HMAC-SHA256 of `text` (UTF-8) under the journal key. */
  mac(text: string): string {
    return this.#hmac.of(text);
  }

  /** True when `mac` (hex) is the MAC of `text`. Constant time; never throws. */
  verify(text: string, mac: unknown): boolean {
    return this.#hmac.matches(text, mac);
  }

  /** True when both keys come from the same secret. */
  equals(other: JournalKey): boolean {
    return timingSafeEqual(this.#fingerprint, other.#fingerprint);
  }

  /** Never reveal key material through JSON or console output. */
  toJSON(): string {
    return "[JournalKey]";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "[JournalKey]";
  }

  #digest(text: string): Buffer {
    return createHmac("sha256", this.#key).update(text, "utf8").digest();
  }
}
