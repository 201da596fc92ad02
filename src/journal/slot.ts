import { ConfigurationError } from "../errors.js";
import { JournalKey } from "./key.js";

/** How a store gets its journal key: the signing secret, or a key derived from it. */
export interface JournalOptions {
  /** The client's receipt signing secret; the journal key is derived from it. */
  secret?: string;
  /** A key already derived with `JournalKey.fromSecret`. */
  journalKey?: JournalKey;
}

/**
 * Holds a store's journal once the store has a key, from its options or from the `EnactClient`
 * it is handed to (`attachJournal`). A store without a key refuses to write, so no receipt is
 * ever stored outside the journal by mistake.
 */
export class JournalSlot<J> {
  readonly #open: (key: JournalKey) => J;
  #key: JournalKey | undefined;
  #journal: J | undefined;

  constructor(options: JournalOptions, open: (key: JournalKey) => J) {
    this.#open = open;
    const key = options.journalKey ?? (options.secret === undefined ? undefined : JournalKey.fromSecret(options.secret));
    if (key !== undefined) this.attach(key);
  }

  /** Sets the key; attaching the same key again is a no-op, another key is refused. */
  attach(key: JournalKey): void {
    if (this.#key !== undefined) {
      // A public journal (JournalKey.publicChain) is keyed by nobody: HMAC and Ed25519 clients share it.
      if (this.#key.equals(key) || this.#key.isPublic) return;
      throw new ConfigurationError(
        "This receipt store already keeps its journal with another secret. Give each secret its own store.",
      );
    }
    this.#key = key;
    this.#journal = this.#open(key);
  }

  /** The journal, or undefined while the store has no key. */
  get opened(): J | undefined {
    return this.#journal;
  }

  /** The journal; throws ConfigurationError when the store has no key yet. */
  get journal(): J {
    if (this.#journal === undefined) {
      throw new ConfigurationError(
        "This receipt store has no journal key, so it cannot record receipts tamper-evidently. " +
          "Hand it to new EnactClient({ receiptStore }) or pass { secret } when creating it.",
      );
    }
    return this.#journal;
  }
}
