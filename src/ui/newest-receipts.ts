import { readdirSync, statSync } from "node:fs";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { StoredReceipt } from "../journal/audit.js";
import { RECEIPT_FILE, readReceiptAt, receiptFilePaths } from "../journal/file-source.js";
import { newestFirst, summarize, type IndexEntry } from "./index-entry.js";

/**
 * How far a receipt's timestamp may be ahead of its file's modification time and still be found.
 * A receipt is stamped before its file is written, so the file is never older than the stamp; the
 * slack covers file systems that keep coarse times (FAT: 2 s; Linux stamps files from a clock
 * that can lag the one `Date.now()` reads by a tick) and a writer's clock a little ahead.
 */
export const FILE_TIME_SLACK_MS = 10_000;

// Files stat()ed between yields to the event loop: the page server keeps answering meanwhile.
const STAT_CHUNK = 4_096;

/** The newest receipts of a directory, and how many receipt files it holds. */
export interface NewestReceipts {
  entries: IndexEntry[];
  total: number;
  /** Receipt files read to find them (the rest were ruled out by their modification time). */
  read: number;
}

/**
 * The `count` newest receipts of a directory by their own timestamps, newest first, reading as
 * few files as the files' modification times allow: files are read newest-modified first, and
 * reading stops once the next file, even stamped `FILE_TIME_SLACK_MS` after it was written,
 * would be older than every receipt kept. A receipt file is written after its run stamped it,
 * so on a store written where it sits this is exactly the first page a full index would give.
 *
 * Where the times say nothing (a store copied without keeping them: every file equally new) every
 * file is read, as a full index would; where they mislead (a file's time set back by hand) a
 * receipt can be missed here, which is why the page server still builds its full index and
 * serves every later request from it.
 */
export async function newestReceipts(directory: string, count: number): Promise<NewestReceipts> {
  const pathOf = receiptFilePaths(directory);
  const files: { runId: string; modified: number }[] = [];
  const names = readdirSync(directory);
  for (let start = 0; start < names.length; start += STAT_CHUNK) {
    for (const name of names.slice(start, start + STAT_CHUNK)) {
      if (!RECEIPT_FILE.test(name)) continue;
      const runId = name.slice(0, -".json".length);
      const stats = statSync(pathOf(runId), { throwIfNoEntry: false });
      // A file removed meanwhile is not listed; anything else named like a receipt is read (and shown as unreadable).
      if (stats !== undefined) files.push({ runId, modified: stats.mtimeMs });
    }
    await yieldToEventLoop();
  }
  files.sort((a, b) => b.modified - a.modified);
  return pickNewest(files, count, (runId) => readReceiptAt(runId, pathOf(runId)), files.length);
}

/**
 * The selection itself, apart from the file system: `files` newest-modified first. Receipts
 * without a time (unreadable) sort last, so they fill the page only when fewer than `count`
 * receipts have one, and then every file has been read.
 */
export function pickNewest(files: readonly { runId: string; modified: number }[], count: number, read: (runId: string) => StoredReceipt, total: number): NewestReceipts {
  const timed: IndexEntry[] = [];
  const timeless: IndexEntry[] = [];
  let readCount = 0;
  for (const file of files) {
    const oldestKept = timed.length >= count ? (timed[count - 1] as IndexEntry).time : Number.NEGATIVE_INFINITY;
    if (file.modified + FILE_TIME_SLACK_MS < oldestKept) break;
    const entry = summarize(read(file.runId));
    readCount += 1;
    if (Number.isNaN(entry.time)) {
      timeless.push(entry);
      continue;
    }
    insertSorted(timed, entry);
    if (timed.length > count) timed.pop();
  }
  timeless.sort(newestFirst);
  return { entries: [...timed, ...timeless].slice(0, count), total, read: readCount };
}

/** Inserts into a newest-first array, keeping it sorted (pages are small: a linear scan is enough). */
function insertSorted(sorted: IndexEntry[], entry: IndexEntry): void {
  let at = sorted.length;
  while (at > 0 && newestFirst(sorted[at - 1] as IndexEntry, entry) > 0) at -= 1;
  sorted.splice(at, 0, entry);
}
