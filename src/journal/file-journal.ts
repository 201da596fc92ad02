import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { chainEntries, EMPTY_HEAD, entryLine, openEntry, type JournalEntry, type JournalHead, type JournalItem } from "./entry.js";
import { JournalDamagedError } from "./errors.js";
import type { JournalKey } from "./key.js";

/** The journal lives in this subdirectory of the receipt directory. */
export const JOURNAL_DIRECTORY = "journal";

/** Segment files: `journal/000000000042.jsonl`, numbered from 0 without gaps. */
export const SEGMENT_FILE = /^(\d{12})\.jsonl$/;

/** Most entries one segment holds; a larger batch is split over several segments. */
const MAX_SEGMENT_ENTRIES = 1000;

/** The path of segment `n` in `journalDirectory`. */
export function segmentPath(journalDirectory: string, n: number): string {
  return join(journalDirectory, `${String(n).padStart(12, "0")}.jsonl`);
}

interface Tail {
  segment: number;
  head: JournalHead;
}

interface Pending {
  item: JournalItem;
  resolve: (entry: JournalEntry) => void;
  reject: (error: unknown) => void;
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
 * Within one store, appends are queued: while a segment is being written, new receipts wait and
 * go into the next segment together.
 */
export class FileJournal {
  readonly #directory: string;
  readonly #key: JournalKey;
  #tail: Tail | undefined;
  #pending: Pending[] = [];
  #flushing = false;

  constructor(receiptDirectory: string, key: JournalKey) {
    this.#directory = join(receiptDirectory, JOURNAL_DIRECTORY);
    this.#key = key;
  }

  /** Records a stored receipt; resolves with its entry once the entry is on disk. */
  append(item: JournalItem): Promise<JournalEntry> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, MAX_SEGMENT_ENTRIES);
        try {
          const entries = await this.#appendBatch(batch.map((pending) => pending.item));
          batch.forEach((pending, index) => pending.resolve(entries[index] as JournalEntry));
        } catch (error) {
          // Re-read the tail next time rather than trust a cache that may be stale.
          this.#tail = undefined;
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #appendBatch(items: readonly JournalItem[]): Promise<JournalEntry[]> {
    await mkdir(this.#directory, { recursive: true });
    let tail = this.#tail ?? (await this.#readTail());
    for (;;) {
      const entries = chainEntries(this.#key, tail.head, items);
      const segment = tail.segment + 1;
      if (await createExclusive(segmentPath(this.#directory, segment), entries.map(entryLine).join(""))) {
        const last = entries[entries.length - 1] as JournalEntry;
        this.#tail = { segment, head: { seq: last.seq, mac: last.mac } };
        return entries;
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
      raw = JSON.parse(last);
    } catch {
      throw new JournalDamagedError(path, "ends with a line that is not JSON");
    }
    const entry = openEntry(this.#key, raw);
    if (typeof entry === "string") throw new JournalDamagedError(path, `ends with an entry that ${entry}`);
    return { seq: entry.seq, mac: entry.mac };
  }
}

/** Creates `path` holding `text`, atomically; false (nothing written) when `path` already exists. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const file = await open(temporary, "wx");
  try {
    await file.writeFile(text, "utf8");
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}
