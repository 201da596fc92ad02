import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CorruptReceiptError } from "../errors.js";
import { FileJournal } from "../journal/file-journal.js";
import type { JournalKey } from "../journal/key.js";
import { WriteAheadLog } from "../journal/write-ahead-log.js";
import { ReceiptExistsError, StoreUnavailableError } from "../errors.js";
import { JournalSlot, type JournalOptions } from "../journal/slot.js";
import type { Receipt } from "../models.js";
import { DuplicateJsonKeyError, parseStrictJson } from "../strict-json.js";
import { createReceiptFileInline, createReceiptFiles, receiptPath, receiptText } from "../receipt-file.js";
import { takeInlineTurn } from "../inline-create.js";
import { writerThreadsBusy } from "../writer-thread.js";
import { FileClaims } from "./file-claims.js";
import { FileControl } from "./file-control.js";
import type { CutoutState } from "../approvals/cutout-window.js";
import { byTime, matchesFilter, type ApprovalStage, type ApprovalStages, type ClaimState, type IdempotencyClaim, type ReceiptFilter, type ReceiptStore } from "./receipt-store.js";

const RECEIPT_FILE = /^[0-9a-f-]{36}\.json$/;

/**
 * Files a turn of the event loop gathers before handing them to the writer threads. With 64 runs
 * in flight, handing over all 64 at the end of the turn left the threads idle while the runs ran
 * and the runs waiting while the threads wrote: every 8 let both work at once, 1.2x the runs per
 * second (2 cores). Fewer per hand-over cost more wake-ups of the threads.
 */
const HANDOVER_FILES = 8;

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
  readonly #log: WriteAheadLog;

  constructor(
    readonly directory = "receipts",
    options: FileReceiptStoreOptions = {},
  ) {
    this.#claims = new FileClaims(join(directory, "claims"));
    this.#log = new WriteAheadLog(directory);
    this.#journal = new JournalSlot(options, (key) => new FileJournal(directory, key, options.journalIntervalMs, (runIds) => this.#log.sealed(runIds)));
  }

  /** Called by `EnactClient` with the journal key derived from its secret. */
  attachJournal(key: JournalKey): void {
    this.#journal.attach(key);
  }

  /**
   * Appends the signed receipt to the store's write-ahead log (a synchronous `write(2)`: from then
   * on it survives the process being killed), creates the receipt file, then queues its journal
   * entry; resolves only after all three. A lone receipt's file is created on this thread (see
   * `takeInlineTurn`); the files of concurrent runs are handed to the writer threads together,
   * every 8 and the rest at the end of this turn of the event loop. Entries are group-committed
   * (see `journalIntervalMs`), so a run pays for one file write and one append, not for a journal
   * segment or its fsync. Until its entry is chained, the write-ahead log vouches for the receipt
   * (see `WriteAheadLog`). `flush()` writes the queue at once and waits.
   *
   * A journal segment that cannot be written never fails a receipt: its entries are tried again,
   * and `assertWritable()` refuses new runs until they are in (fail closed before side effects).
   */
  async write(receipt: Receipt, json?: string): Promise<string> {
    const journal = this.#journal.journal;
    const path = receiptPath(this.directory, receipt.runId); // refuses a run id that is not a file name, before anything is written
    // Also before anything is written: a receipt JSON cannot hold fails alone, not in the log, and
    // not with the other files of its hand-over.
    const text = receiptText(receipt);
    // Before anything else, synchronously: from here on the receipt survives the process being killed.
    this.#log.append(receipt.runId, receipt.signature, json ?? JSON.stringify(receipt));
    try {
      // Created under its final name directly: the log already holds it whole, which is what tells a
      // reader a complete receipt from one still being written (see load and the audit).
      if (takeInlineTurn() && !writerThreadsBusy()) await createReceiptFileInline(text, path);
      else await this.#createWithTurn(text, path);
    } catch (error) {
      // Another receipt (or this very one, written before) holds the name: this write will never
      // store it, so its own line is abandoned; a line of an earlier write of it still stands. Any
      // other failure leaves the line as an interrupted write, since the file may or may not exist.
      if (error instanceof ReceiptExistsError) this.#log.abandon(receipt.runId, receipt.signature, "another receipt holds its name");
      throw error;
    }
    journal.append({ runId: receipt.runId, signature: receipt.signature });
    return path;
  }

  // Receipt files of concurrent runs, gathered for the next hand-over (the 8th file, or the end of the turn).
  #turn: Array<{ text: string; path: string; resolve: (path: string) => void; reject: (error: unknown) => void }> = [];

  /**
   * Creates the receipt's file with the others asked for in this turn of the event loop, handed to
   * the writer threads together, which answer for them together. One by one, each file cost the
   * event loop's thread a wake-up of the thread and an answer message of its own: with 64 runs in
   * flight, most of what a run cost it beyond the run. Handed over every `HANDOVER_FILES` files,
   * not only at the end of the turn: a thread then creates the first files while this one is still
   * running the turn's other runs, instead of each waiting for the other in turn.
   */
  #createWithTurn(text: string, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const gathered = this.#turn.push({ text, path, resolve, reject });
      if (gathered === HANDOVER_FILES) this.#createTurn();
      else if (gathered === 1) setImmediate(() => this.#createTurn());
    });
  }

  #createTurn(): void {
    const turn = this.#turn;
    // Empty when the turn's files went over as the HANDOVER_FILES-th came, and none came after it.
    if (turn.length === 0) return;
    this.#turn = [];
    try {
      createReceiptFiles(turn, (index, error) => {
        const { path, resolve, reject } = turn[index] as (typeof turn)[number];
        if (error === undefined) resolve(path);
        else reject(error);
      });
    } catch (error) {
      for (const { reject } of turn) reject(error);
    }
  }

  /**
   * Throws `StoreUnavailableError` while the journal cannot be written (its last segment failed and
   * is waiting for a retry): `EnactClient` then stops runs before their workflows execute.
   */
  assertWritable(): void {
    const failure = this.#journal.opened?.failure;
    if (failure === undefined) return;
    throw new StoreUnavailableError(`its journal in ${join(this.directory, "journal")} cannot be written (${describe(failure.error)})`, {
      cause: failure.error,
    });
  }

  /**
   * Resolves once every receipt written so far is chained into the journal; rejects with the error
   * of a segment that could not be written (its entries stay queued and are tried again).
   */
  async flush(): Promise<void> {
    await this.#journal.opened?.drain();
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

  // --- approvals, kill switch, thermal cutouts (issue 23): see FileControl ---
  #controlFiles: FileControl | undefined;

  get #control(): FileControl {
    this.#controlFiles ??= new FileControl(this.directory);
    return this.#controlFiles;
  }

  putApprovalStage(id: string, stage: ApprovalStage, json: string): Promise<boolean> {
    return this.#control.putApprovalStage(id, stage, json);
  }

  getApprovalStages(id: string): Promise<ApprovalStages> {
    return this.#control.getApprovalStages(id);
  }

  listApprovals(): Promise<ApprovalStages[]> {
    return this.#control.listApprovals();
  }

  setHalt(json: string): Promise<void> {
    return this.#control.setHalt(json);
  }

  getHalt(): Promise<string | undefined> {
    return this.#control.getHalt();
  }

  updateCutout<T>(key: string, update: (current: CutoutState | undefined) => [CutoutState, T]): Promise<T> {
    return this.#control.updateCutout(key, update);
  }
}

/** Pauses between reads of a receipt file that does not parse yet, ms: about 30 ms in all. */
const INCOMPLETE_RETRIES_MS = [1, 2, 4, 8, 16];

/**
 * Reads a receipt file. Receipts are created under their final name, so a reader can find one
 * still being written (empty, or a prefix of its JSON, which never parses): such a read is tried
 * again for a few milliseconds. A file that still does not parse was cut short by a killed
 * process (`enact-sdk settle` rewrites it from the write-ahead log) or damaged: CorruptReceiptError.
 */
async function readReceiptFile(path: string): Promise<Receipt> {
  for (let attempt = 0; ; attempt += 1) {
    const text = await readFile(path, "utf8");
    try {
      return parseStrictJson(text) as Receipt;
    } catch (error) {
      // A repeated key is complete text that lies to a first-wins reader: never worth waiting for.
      const pause = error instanceof DuplicateJsonKeyError ? undefined : INCOMPLETE_RETRIES_MS[attempt];
      if (pause === undefined) throw new CorruptReceiptError(path, error);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
