import { readdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { join } from "node:path";
import { EnactError } from "../errors.js";
import { readProblem, readRegularFileSync } from "../read-regular-file.js";
import { DuplicateJsonKeyError, parseStrictJson } from "../strict-json.js";
import { ReceiptSigner } from "../receipt.js";
import { ReceiptAuditor, walkJournal, type AuditReport, type JournalAnchor, type RawJournalEntry, type ReceiptVerifier, type StoredReceipt, type WriteAheadIndex } from "./audit.js";
import { readWriteAheadLogs } from "./write-ahead-log.js";
import { existsSync } from "node:fs";
import { JOURNAL_DIRECTORY, segmentsIn } from "./file-journal.js";
import { JournalKey } from "./key.js";

/** Receipt file names as the file store writes them. */
export const RECEIPT_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;

/**
 * Files read between two yields to the event loop. Receipts are small, so each is read with one
 * synchronous call: a promise-based read costs four threadpool round trips (open, fstat, read,
 * close) and made verification several times slower than reading the files at all.
 */
const READ_CHUNK = 256;

/** The receipt store to audit does not exist (no such directory, no receipt table). */
export class StoreNotFoundError extends EnactError {
  readonly code = "ENACT_STORE_NOT_FOUND" as const;
}

/** Progress of a long read: `done` of `total` receipts. */
export type ProgressListener = (done: number, total: number) => void;

/** Options of `auditReceiptDirectory`. */
export interface AuditOptions {
  /** Called as receipts are checked. */
  onProgress?: ProgressListener;
  /** A journal position recorded earlier that must still be there. */
  anchor?: JournalAnchor;
}

/**
 * Checks every receipt of a file store and its journal: each receipt's signature, that it is the
 * receipt the journal recorded, that no journaled receipt is missing and no receipt is unjournaled,
 * and that the journal's chain is unbroken.
 *
 * @example
 * const report = await auditReceiptDirectory("receipts", process.env.ENACT_SECRET!);
 * if (!report.ok) console.error(report.findings);
 */
export async function auditReceiptDirectory(directory: string, secret: string, options: AuditOptions = {}): Promise<AuditReport> {
  return auditReceiptDirectoryWith(directory, { verifier: new ReceiptSigner(secret), journalKey: JournalKey.fromSecret(secret) }, options);
}

/** How an audit checks a store: receipt signatures with `verifier`, the journal's chain under `journalKey`. */
export interface AuditKeys {
  verifier: ReceiptVerifier;
  journalKey: JournalKey;
}

/**
 * `auditReceiptDirectory` with any verifier and journal key: Ed25519 public keys and the public
 * journal chain (`JournalKey.publicChain()`) audit a store written by Ed25519 clients without any secret.
 */
export async function auditReceiptDirectoryWith(directory: string, keys: AuditKeys, options: AuditOptions = {}): Promise<AuditReport> {
  await assertDirectory(directory);
  const journal = walkJournal(keys.journalKey, await readJournalDirectory(directory), options.anchor);
  const runIds = await listReceiptFiles(directory);
  // After the listing: every listed receipt's write-ahead line was written before its file.
  const auditor = new ReceiptAuditor(keys.verifier, journal, readWriteAheadIndex(directory));
  await readReceiptFiles(directory, runIds, (stored) => void auditor.check(stored), options.onProgress);
  return auditor.finish();
}

/** Fails with StoreNotFoundError unless `directory` is an existing directory. */
export async function assertDirectory(directory: string): Promise<void> {
  const info = await stat(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
    throw error;
  });
  if (info === undefined) throw new StoreNotFoundError(`Receipt directory ${directory} does not exist`);
  if (!info.isDirectory()) throw new StoreNotFoundError(`${directory} is not a directory`);
}

/** The run ids of the receipt files in `directory`, sorted. */
export async function listReceiptFiles(directory: string): Promise<string[]> {
  const runIds: string[] = [];
  // Read at once, as the receipts are: the promise-based readdir builds the same names after a
  // threadpool round trip, about a third slower on 10,000 files. A run id is its file name less ".json".
  for (const name of readdirSync(directory)) {
    if (RECEIPT_FILE.test(name)) runIds.push(name.slice(0, -".json".length));
  }
  return runIds.sort();
}

/**
 * Reads and parses receipt files in order, handing each to `visit` as soon as it is read, and
 * yields to the event loop every `READ_CHUNK` files. A file that cannot be read or parsed is
 * handed over with its `error`.
 */
export async function readReceiptFiles(
  directory: string,
  runIds: readonly string[],
  visit: (stored: StoredReceipt) => void,
  onProgress?: ProgressListener,
): Promise<void> {
  const pathOf = receiptFilePaths(directory);
  onProgress?.(0, runIds.length);
  for (let start = 0; start < runIds.length; start += READ_CHUNK) {
    const end = Math.min(start + READ_CHUNK, runIds.length);
    for (let index = start; index < end; index += 1) {
      const runId = runIds[index] as string;
      visit(readReceiptAt(runId, pathOf(runId)));
    }
    onProgress?.(end, runIds.length);
    await yieldToEventLoop();
  }
}

/** Where the receipt of run `runId` is filed in `directory`. */
export function receiptFilePath(directory: string, runId: string): string {
  return join(directory, `${runId}.json`);
}

/**
 * `receiptFilePath` in `directory` for run ids as `listReceiptFiles` gives them: a file name has
 * no separator or dot segment to normalize, so the path is the directory's joined prefix and the
 * name, without a path.join per receipt.
 */
export function receiptFilePaths(directory: string): (runId: string) => string {
  const prefix = receiptFilePath(directory, "_").slice(0, -"_.json".length);
  return (runId) => `${prefix}${runId}.json`;
}

/** Reads one receipt file; never throws (a problem is reported in `error`). */
export function readReceiptFile(directory: string, runId: string): StoredReceipt {
  return readReceiptAt(runId, receiptFilePath(directory, runId));
}

/**
 * Reads the receipt of run `runId` from the file `where`; never throws (a problem is reported in
 * `error`). Only a regular file of capped size is read (a FIFO or /dev/zero named like a receipt
 * must not hang an audit), and a repeated key, which readers could disagree on, is refused.
 */
export function readReceiptAt(runId: string, where: string): StoredReceipt {
  let text: string;
  try {
    text = readRegularFileSync(where);
  } catch (error) {
    return { runId, where, error: readProblem(error) };
  }
  try {
    return { runId, where, value: parseStrictJson(text) };
  } catch (error) {
    return { runId, where, error: text.trim() === "" ? "is empty" : jsonProblem(error) };
  }
}

/**
 * Every journal entry of a receipt directory, in order, with problems of the segment files
 * themselves (a gap in their numbering, an unreadable file) as entries carrying an `error`.
 */
export async function readJournalDirectory(directory: string): Promise<RawJournalEntry[]> {
  const journalDirectory = join(directory, JOURNAL_DIRECTORY);
  let names: string[];
  try {
    names = readdirSync(journalDirectory);
  } catch (error) {
    // A file, FIFO or device where the journal should be: the journal was replaced.
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return [{ where: `${JOURNAL_DIRECTORY}/`, error: "is not a directory (replaced)" }];
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    names = [];
  }
  const segments = segmentsIn(names);
  const texts = segments.map((segment) => {
    try {
      return readRegularFileSync(join(journalDirectory, segment.name));
    } catch (error) {
      return { problem: readProblem(error) };
    }
  });
  const entries: RawJournalEntry[] = [];
  let expected = 0;
  segments.forEach((segment, index) => {
    const where = `${JOURNAL_DIRECTORY}/${segment.name}`;
    if (segment.number !== expected) {
      const missing = segment.number - expected === 1 ? `segment ${expected} is` : `segments ${expected}–${segment.number - 1} are`;
      entries.push({ where: `${JOURNAL_DIRECTORY}/`, error: `${missing} missing` });
    }
    expected = segment.number + 1;
    const text = texts[index];
    if (typeof text !== "string") {
      entries.push({ where, error: text?.problem ?? "cannot be read" });
      return;
    }
    if (text === "") {
      entries.push({ where, error: "is empty" });
      return;
    }
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    else entries.push({ where, error: "does not end with a newline (truncated)" });
    // Parsed as they are checked (walkJournal): most lines are read without JSON.parse.
    lines.forEach((line, lineIndex) => entries.push({ where: `${where} line ${lineIndex + 1}`, line }));
  });
  return entries;
}

/**
 * What the write-ahead logs of a receipt directory vouch for (see `WriteAheadIndex`). Read after
 * the receipts are listed, so that a receipt written meanwhile is never taken for an interrupted
 * write: its absence is checked again.
 */
export function readWriteAheadIndex(directory: string): WriteAheadIndex {
  const contents = readWriteAheadLogs(directory);
  const records = new Map<string, { where: string; signatures: Set<string> }>();
  for (const record of contents.records) {
    const known = records.get(record.runId);
    if (known === undefined) records.set(record.runId, { where: record.where, signatures: new Set([record.signature]) });
    else known.signatures.add(record.signature);
  }
  const problems: string[] = [];
  const interrupted: WriteAheadIndex["interrupted"][number][] = [];
  for (const problem of contents.problems) {
    if (problem.torn) interrupted.push({ runId: "(unknown run)", where: problem.where, status: "interrupted", problems: [`interrupted write: ${problem.where} ${problem.problem}`] });
    else problems.push(`${problem.where} ${problem.problem}`);
  }
  return { records, sealed: contents.sealed, problems, interrupted, stillAbsent: (runId) => !existsSync(receiptFilePath(directory, runId)),
    reread: (runId) => readReceiptFile(directory, runId),
  };
}

/** Why a receipt's text is not a receipt's JSON. */
function jsonProblem(error: unknown): string {
  return error instanceof DuplicateJsonKeyError ? error.message : "is not valid JSON (truncated or corrupt)";
}
