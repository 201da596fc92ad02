import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CorruptReceiptError } from "../errors.js";
import { FileJournal } from "../journal/file-journal.js";
import type { JournalKey } from "../journal/key.js";
import { JournalSlot, type JournalOptions } from "../journal/slot.js";
import type { Receipt } from "../models.js";
import { parseStrictJson } from "../strict-json.js";
import { receiptPath, writeReceipt } from "../receipt-file.js";
import { FileClaims } from "./file-claims.js";
import { byTime, matchesFilter, type ClaimState, type IdempotencyClaim, type ReceiptFilter, type ReceiptStore } from "./receipt-store.js";

const RECEIPT_FILE = /^[0-9a-f-]{36}\.json$/;

/** Options of `FileReceiptStore`: the journal's key (else `EnactClient` attaches it) and its pace. */
export interface FileReceiptStoreOptions extends JournalOptions {
  /**
   * How long journal entries gather before their segment is written and fsynced, in ms
   * (default 25; 0 writes a segment as soon as the previous one is done). A longer interval
   * means fewer segment files under load and a longer window in which a crash leaves a written
   * receipt outside the journal. `flush()` never waits for it.
   */
  journalIntervalMs?: number;
}

/**
 * Receipts as JSON files in one directory, `<directory>/<runId>.json`, and idempotency claims
 * in `<directory>/claims/`: the default store. Processes on one machine that share the
 * directory share its receipts and its idempotency keys. Every receipt written is also recorded
 * in the directory's tamper-evident journal (`<directory>/journal/`, see `FileJournal`).
 *
 * @example
 * const enact = new EnactClient({ ..., receiptStore: new FileReceiptStore("/var/lib/agent/receipts") });
 */
export class FileReceiptStore implements ReceiptStore {
  readonly #claims: FileClaims;
  // --- journal (issue 8): the receipt file is written first, then its journal entry. ---
  readonly #journal: JournalSlot<FileJournal>;

  constructor(
    readonly directory = "receipts",
    options: FileReceiptStoreOptions = {},
  ) {
    this.#claims = new FileClaims(join(directory, "claims"));
    this.#journal = new JournalSlot(options, (key) => new FileJournal(directory, key, options.journalIntervalMs));
  }

  /** Called by `EnactClient` with the journal key derived from its secret. */
  attachJournal(key: JournalKey): void {
    this.#journal.attach(key);
  }

  /**
   * Writes the receipt file, then queues its journal entry. Entries are group-committed (see
   * `journalIntervalMs`), so a run pays for one file write, not for a journal segment or its
   * fsync. `flush()` writes the queue at once and waits for it.
   * A journal append that failed makes the next `write()` (or `flush()`) reject with its error.
   */
  async write(receipt: Receipt): Promise<string> {
    const journal = this.#journal.journal;
    journal.throwFailure();
    const path = await writeReceipt(receipt, this.directory);
    journal.append({ runId: receipt.runId, signature: receipt.signature });
    return path;
  }

  /** Resolves once every receipt written so far is in the journal; rejects if one could not be added. */
  async flush(): Promise<void> {
    const journal = this.#journal.opened;
    if (journal === undefined) return;
    await journal.drain();
    journal.throwFailure();
  }
  // --- end journal ---

  async load(runId: string): Promise<Receipt | undefined> {
    if (!/^[0-9a-fA-F-]{36}$/.test(runId)) return undefined;
    try {
      return await readReceiptFile(receiptPath(this.directory, runId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async list(filter?: ReceiptFilter): Promise<Receipt[]> {
    const names = await readdir(this.directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [] as string[];
      throw error;
    });
    const receipts = await Promise.all(
      names
        .filter((name) => RECEIPT_FILE.test(name))
        .map((name) => readReceiptFile(join(this.directory, name))),
    );
    return receipts.filter((receipt) => matchesFilter(receipt, filter)).sort(byTime);
  }

  claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined> {
    return this.#claims.claim(claim);
  }

  updateClaim(key: string, runId: string, state: ClaimState): Promise<void> {
    return this.#claims.update(key, runId, state);
  }

  getClaim(key: string): Promise<IdempotencyClaim | undefined> {
    return this.#claims.get(key);
  }

  releaseClaim(key: string, runId: string): Promise<boolean> {
    return this.#claims.release(key, runId);
  }
}

async function readReceiptFile(path: string): Promise<Receipt> {
  const text = await readFile(path, "utf8");
  try {
    return parseStrictJson(text) as Receipt;
  } catch (error) {
    throw new CorruptReceiptError(path, error);
  }
}
