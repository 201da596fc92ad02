import { mkdir, readdir, readFile } from "node:fs/promises";
import { parseStrictJson } from "../strict-json.js";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { ReceiptExistsError } from "../errors.js";
import { writeNewFile } from "../receipt-file.js";
import { chainLines, EMPTY_HEAD, openEntry, type JournalEntry, type JournalHead, type JournalItem } from "./entry.js";
import { JournalDamagedError } from "./errors.js";
import type { JournalKey } from "./key.js";

/** The journal lives in this subdirectory of the receipt directory. */
export const JOURNAL_DIRECTORY = "journal";

/** Segment files: `journal/000000000042.jsonl`, numbered from 0 without gaps. */
export const SEGMENT_FILE = /^(\d{12})\.jsonl$/;

/** The segment files among a journal directory's names, with their numbers, in journal order. */
export function segmentsIn(names: readonly string[]): { name: string; number: number }[] {
  return names
    .map((name) => ({ name, number: Number(SEGMENT_FILE.exec(name)?.[1] ?? Number.NaN) }))
    .filter((segment) => !Number.isNaN(segment.number))
    .sort((a, b) => a.number - b.number);
}

/** Most entries one segment holds; a larger batch is split over several segments. */
const MAX_SEGMENT_ENTRIES = 1000;

/** Entries chained between two yields to the event loop (see `chainInSlices`). */
const CHAIN_SLICE = 16;

/** The longest wait between two tries of a segment that could not be written, ms. */
const MAX_RETRY_MS = 1_000;

/** How long entries gather before their segment is written, unless `commit()` asks sooner. */
export const DEFAULT_JOURNAL_INTERVAL_MS = 25;

/** The path of segment `n` in `journalDirectory`. */
export function segmentPath(journalDirectory: string, n: number): string {
  return join(journalDirectory, `${String(n).padStart(12, "0")}.jsonl`);
}

interface Tail {
  segment: number;
  head: JournalHead;
}

/**
 * The append-only journal of a receipt directory: immutable segment files, each holding a batch
 * of chained entries (JSON lines), in `<receiptDir>/journal/`.
 *
 * Appends need no lock. A segment is written to a temporary file and hard-linked to the next
 * segment number; `link` fails if that name exists, so of two writers (two stores in one process,
 * or two processes) racing for the same number exactly one wins. The loser reads the winner's
 * segment, re-chains its batch after it and tries the next number. No reader sees half a
 * segment, a crash leaves no lock behind, and no entry is ever rewritten.
 *
 * Within one store, appends are group-committed: entries gather for `intervalMs` (and while a
 * segment is being written) and go into one segment together. A segment costs a file creation,
 * a link and an fsync whatever it holds, so under load the journal writes at most one segment
 * per interval instead of one per receipt or two. `commit()` writes what is pending at once.
 */
export class FileJournal {
  readonly #directory: string;
  readonly #key: JournalKey;
  readonly #intervalMs: number;
  #tail: Tail | undefined;
  #pending: JournalItem[] = [];
  #flushing: Promise<void> | undefined;
  // The error of the last segment that could not be written, until one is. Entries carry no promise
  // each: a journal takes one per receipt written, on the thread that runs them.
  #failure: { error: unknown } | undefined;
  #retryMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #urgent = false;
  #directoryReady = false;
  readonly #onSealed: ((runIds: string[]) => void) | undefined;

  /** `onSealed` is told the run ids of every batch once its segment is linked. */
  constructor(receiptDirectory: string, key: JournalKey, intervalMs = DEFAULT_JOURNAL_INTERVAL_MS, onSealed?: (runIds: string[]) => void) {
    this.#directory = join(receiptDirectory, JOURNAL_DIRECTORY);
    this.#key = key;
    this.#intervalMs = intervalMs;
    this.#onSealed = onSealed;
  }

  /**
   * Records a stored receipt: its entry is written with the next segment. A segment that cannot be
   * written is tried again, later and later (up to `MAX_RETRY_MS` apart), until it is; meanwhile
   * `failure` holds its error.
   */
  append(item: JournalItem): void {
    this.#pending.push(item);
    this.#schedule();
  }

  /** Writes every pending entry now instead of at the end of the interval. */
  commit(): void {
    this.#urgent = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#flushing === undefined) this.#startFlush();
  }

  /**
   * Writes every pending entry now; resolves once each is in a linked segment. Rejects with the
   * error of a segment that could not be written (its entries stay pending and are tried again).
   */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing !== undefined) {
      this.commit();
      await this.#flushing;
      if (this.#failure !== undefined && this.#pending.length > 0) throw this.#failure.error;
    }
  }

  /** The error of the last segment that could not be written, while its entries wait for a retry. */
  get failure(): { error: unknown } | undefined {
    return this.#failure;
  }

  /** Entries waiting for a segment. */
  get pending(): number {
    return this.#pending.length;
  }

  #schedule(delayMs = this.#intervalMs): void {
    if (this.#flushing !== undefined || this.#timer !== undefined) return;
    if (delayMs <= 0) {
      this.#startFlush();
      return;
    }
    // Not unref'd: a process that ends on its own still journals what it wrote.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#startFlush();
    }, delayMs);
  }

  #startFlush(): void {
    const finished = (): void => {
      this.#flushing = undefined;
      if (this.#pending.length === 0) this.#urgent = false;
      else if (this.#failure === undefined) this.#schedule();
      else {
        // Back off, so a journal that cannot be written (disk full, read-only) is not hammered.
        this.#retryMs = Math.min(Math.max(this.#retryMs * 2, this.#intervalMs, 10), MAX_RETRY_MS);
        this.#schedule(this.#retryMs);
      }
    };
    this.#flushing = this.#flush().then(finished, finished);
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      if (!(await this.#commitBatch(this.#pending.splice(0, MAX_SEGMENT_ENTRIES)))) return;
      // Entries that arrived during that write wait for the next interval, unless asked for now
      // or already a full segment.
      if (!this.#urgent && this.#pending.length < MAX_SEGMENT_ENTRIES) break;
    }
  }

  /** True once `batch` is in a linked segment; false (the batch pending again, first) when it could not be. */
  async #commitBatch(batch: JournalItem[]): Promise<boolean> {
    try {
      await this.#appendBatch(batch);
    } catch (error) {
      // Re-read the tail (and re-check the directory) next time rather than trust a stale cache.
      this.#tail = undefined;
      this.#directoryReady = false;
      this.#failure = { error };
      this.#pending.unshift(...batch);
      return false;
    }
    this.#failure = undefined;
    this.#retryMs = 0;
    this.#onSealed?.(batch.map((item) => item.runId));
    return true;
  }

  async #appendBatch(items: readonly JournalItem[]): Promise<void> {
    if (!this.#directoryReady) {
      await mkdir(this.#directory, { recursive: true });
      this.#directoryReady = true;
    }
    let tail = this.#tail ?? (await this.#readTail());
    for (;;) {
      const { head, text } = await chainInSlices(this.#key, tail.head, items);
      const segment = tail.segment + 1;
      if (await createExclusive(segmentPath(this.#directory, segment), text)) {
        this.#tail = { segment, head };
        return;
      }
      // Another writer took this number: chain after its segment instead.
      tail = { segment, head: await this.#lastEntryOf(segment) };
    }
  }

  async #readTail(): Promise<Tail> {
    const names = await readdir(this.#directory);
    let newest = -1;
    for (const name of names) {
      const match = SEGMENT_FILE.exec(name);
      if (match !== null) newest = Math.max(newest, Number(match[1]));
    }
    if (newest < 0) return { segment: -1, head: EMPTY_HEAD };
    return { segment: newest, head: await this.#lastEntryOf(newest) };
  }

  async #lastEntryOf(segment: number): Promise<JournalHead> {
    const path = segmentPath(this.#directory, segment);
    const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line !== "");
    const last = lines[lines.length - 1];
    if (last === undefined) throw new JournalDamagedError(path, "is empty");
    let raw: unknown;
    try {
      raw = parseStrictJson(last);
    } catch {
      throw new JournalDamagedError(path, "ends with a line that is not JSON, or repeats a key");
    }
    const entry = openEntry(this.#key, raw);
    if (typeof entry === "string") throw new JournalDamagedError(path, `ends with an entry that ${entry}`);
    return { seq: entry.seq, mac: entry.mac };
  }
}

/**
 * Chains `items` after `head` and writes their lines, a slice at a time with a yield to the event
 * loop between slices. Chaining is all CPU (an HMAC per entry, 5–10 µs here): a segment of a few
 * hundred entries chained in one go held up every run in flight for a millisecond or more, which
 * was most of the file store's p99.
 */
async function chainInSlices(key: JournalKey, head: JournalHead, items: readonly JournalItem[]): Promise<{ head: JournalHead; text: string }> {
  let text = "";
  let prev = head;
  for (let start = 0; start < items.length; start += CHAIN_SLICE) {
    if (start > 0) await yieldToEventLoop();
    const slice = chainLines(key, prev, items.slice(start, start + CHAIN_SLICE));
    const last = slice.entries[slice.entries.length - 1] as JournalEntry;
    text += slice.text;
    prev = { seq: last.seq, mac: last.mac };
  }
  return { head: prev, text };
}

/** Creates `path` holding `text`, atomically and durably; false (nothing written) when `path` already exists. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  try {
    await writeNewFile(path, text, { durable: true });
    return true;
  } catch (error) {
    if (error instanceof ReceiptExistsError) return false;
    throw error;
  }
}
