import { closeSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from "node:fs";
import { readRegularFileSync } from "../read-regular-file.js";
import { hostname } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { JOURNAL_DIRECTORY } from "./file-journal.js";

/** Write-ahead logs live in this subdirectory of the journal directory. */
export const WRITE_AHEAD_DIRECTORY = "wal";

/** Log files: `journal/wal/<host>~<pid>~<uuid>.log`. */
export const WRITE_AHEAD_FILE = /^(.+)~(\d+)~([0-9a-f-]{36})\.log$/;

/** A log this large, with every receipt it holds chained into the journal, is removed and a new one begun. */
const ROTATE_BYTES = 8 * 1024 * 1024;

/** The directory of a receipt directory's write-ahead logs. */
export function writeAheadDirectory(receiptDirectory: string): string {
  return join(receiptDirectory, JOURNAL_DIRECTORY, WRITE_AHEAD_DIRECTORY);
}

// Host names may hold characters a file name should not; the log's name only has to tell this host apart.
export function safeHost(): string {
  return hostname().replace(/[^A-Za-z0-9.-]/g, "_") || "host";
}

/**
 * One store's write-ahead log: every receipt, as signed JSON text, is appended here, synchronously,
 * before its file is written. The chained journal (`FileJournal`) is group-committed in the
 * background; until a receipt's entry is chained, this line is what vouches for it. So a receipt
 * that `write()` resolved is recorded whatever happens to the process next (`process.exit()`, an
 * uncaught exception, SIGTERM, SIGKILL): the line is in the kernel's page cache before the receipt
 * file exists. A process stopped between the line and the file leaves an *interrupted write*: the
 * whole signed receipt is in the log, `verify` names it, and `settle` stores and chains it.
 *
 * One append is one `write(2)` of a whole line to a file opened with O_APPEND, so lines of a log
 * are never interleaved or torn by a killed process (only a power loss can cut the last one).
 */
export class WriteAheadLog {
  readonly #directory: string;
  #fd: number | undefined;
  #path: string | undefined;
  #bytes = 0;
  /**
   * Run ids whose lines are in the current log and whose journal entries are not chained yet, with
   * how many such lines each has: two writes of one run id, in flight together, append a line each,
   * and the abandon of one must not unseal the other's.
   */
  readonly #unsealed = new Map<string, number>();

  constructor(receiptDirectory: string) {
    this.#directory = writeAheadDirectory(receiptDirectory);
  }

  /** The current log file, once one is open. */
  get path(): string | undefined {
    return this.#path;
  }

  /**
   * Appends the signed receipt `json` of run `runId`. Synchronous on purpose: when it returns, the
   * line is in the page cache, and nothing the process does afterwards can lose it.
   */
  append(runId: string, signature: string, json: string): void {
    const line = `{"runId":${JSON.stringify(runId)},"signature":${JSON.stringify(signature)},"receipt":${json}}\n`;
    this.#bytes += writeLine(this.#open(), line);
    this.#unsealed.set(runId, (this.#unsealed.get(runId) ?? 0) + 1);
  }

  /**
   * Records that the receipt just appended for `runId` was not stored and never will be (its name
   * was taken): readers then do not report it as an interrupted write. The line cancels one earlier
   * line of this log with the same run id and signature, the one this write appended: a line of
   * the same receipt appended by an earlier write, or by another process's log, still stands.
   */
  abandon(runId: string, signature: string, reason: string): void {
    const line = `{"runId":${JSON.stringify(runId)},"signature":${JSON.stringify(signature)},"abandoned":${JSON.stringify(reason)}}\n`;
    this.#bytes += writeLine(this.#open(), line);
    this.#release(runId);
  }

  /**
   * The journal has chained these runs' entries. A line says so, so that an entry later cut from
   * the journal is caught while this log exists; once every receipt of a large log is chained, the
   * log is removed and the next append begins another.
   */
  sealed(runIds: readonly string[]): void {
    const ours = runIds.filter((runId) => this.#release(runId));
    if (ours.length > 0 && this.#fd !== undefined) {
      try {
        this.#bytes += writeLine(this.#fd, `{"sealed":${JSON.stringify(ours)}}\n`);
      } catch {
        // Only a help to the audit: the journal itself already holds these entries.
      }
    }
    if (this.#unsealed.size === 0 && this.#bytes >= ROTATE_BYTES) this.#remove();
  }

  /**
   * Removes the log if every receipt it holds is chained (at exit, say); keeps it otherwise, for
   * `verify` and `settle`. Never throws.
   */
  closeIfSealed(): void {
    if (this.#unsealed.size === 0) this.#remove();
    else if (this.#fd !== undefined) {
      try {
        closeSync(this.#fd);
      } catch {
        // Closed already: nothing to keep.
      }
      this.#fd = undefined;
    }
  }

  // One line of `runId` no longer waits for the journal; false when none of this log did.
  #release(runId: string): boolean {
    const lines = this.#unsealed.get(runId);
    if (lines === undefined) return false;
    if (lines > 1) this.#unsealed.set(runId, lines - 1);
    else this.#unsealed.delete(runId);
    return true;
  }

  #open(): number {
    if (this.#fd !== undefined) return this.#fd;
    const path = join(this.#directory, `${safeHost()}~${process.pid}~${randomUUID()}.log`);
    try {
      this.#fd = openSync(path, "ax");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      mkdirSync(this.#directory, { recursive: true });
      this.#fd = openSync(path, "ax");
    }
    this.#path = path;
    this.#bytes = 0;
    watchExit(this);
    return this.#fd;
  }

  #remove(): void {
    const { path } = this;
    if (this.#fd !== undefined) {
      try {
        closeSync(this.#fd);
      } catch {
        // Closed already.
      }
    }
    this.#fd = undefined;
    this.#path = undefined;
    this.#bytes = 0;
    OPEN_LOGS.delete(this);
    if (path === undefined) return;
    try {
      unlinkSync(path);
    } catch {
      // Gone already, or a read-only directory: a sealed log is harmless to keep.
    }
  }
}

/**
 * Writes `line` (UTF-8) whole and returns its length in bytes. The string goes to `write(2)`
 * directly, without a Buffer made of it first (a sixth of an append's cost); the rest of a short
 * write, which a regular file gives only in rare cases (a signal, a file size limit), follows.
 */
function writeLine(fd: number, line: string): number {
  const length = Buffer.byteLength(line, "utf8");
  const written = writeSync(fd, line, null, "utf8");
  if (written < length) {
    const bytes = Buffer.from(line, "utf8");
    for (let offset = written; offset < length; ) offset += writeSync(fd, bytes, offset, length - offset);
  }
  return length;
}

// Logs with a file open. At exit, each whose receipts are all chained is removed; the others stay
// for `verify` (which counts their receipts as recorded) and `settle` (which chains them).
const OPEN_LOGS = new Set<WriteAheadLog>();
let exitWatched = false;

function watchExit(log: WriteAheadLog): void {
  OPEN_LOGS.add(log);
  if (exitWatched) return;
  exitWatched = true;
  process.on("exit", () => {
    for (const open of [...OPEN_LOGS]) open.closeIfSealed();
  });
}

/** One line of a write-ahead log, as read back. */
export interface WriteAheadRecord {
  /** `journal/wal/<file> line 3`, for messages. */
  where: string;
  /** The log file's name. */
  file: string;
  runId: string;
  signature: string;
  /** The signed receipt the line holds. */
  receipt: unknown;
}

/** A log file's name and what it says about its writer. */
export interface WriteAheadFile {
  name: string;
  host: string;
  pid: number;
}

/** What the write-ahead logs of a receipt directory hold. */
export interface WriteAheadContents {
  files: WriteAheadFile[];
  /** The receipts appended, less those abandoned (each abandon line cancels one line of its own log). */
  records: WriteAheadRecord[];
  /** Run ids whose writer saw their journal entries chained. */
  sealed: Set<string>;
  /** Lines that are not records: a torn last line is an interrupted write, any other is damage. */
  problems: { where: string; file: string; torn: boolean; problem: string }[];
}

/** Reads every write-ahead log of `receiptDirectory`, in file-name order. Never throws for a missing directory. */
export function readWriteAheadLogs(receiptDirectory: string, read: (path: string) => string = readUtf8): WriteAheadContents {
  const directory = writeAheadDirectory(receiptDirectory);
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    // No log directory, or a journal that is not a directory (reported as such by the journal's reader).
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { files: [], records: [], sealed: new Set(), problems: [] };
    throw error;
  }
  const contents: WriteAheadContents = { files: [], records: [], sealed: new Set(), problems: [] };
  for (const name of names.sort()) {
    const match = WRITE_AHEAD_FILE.exec(name);
    if (match === null) continue;
    contents.files.push({ name, host: match[1] as string, pid: Number(match[2]) });
    const where = `${JOURNAL_DIRECTORY}/${WRITE_AHEAD_DIRECTORY}/${name}`;
    let text: string;
    try {
      text = read(join(directory, name));
    } catch (error) {
      contents.problems.push({ where, file: name, torn: false, problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` });
      continue;
    }
    const lines = text.split("\n");
    const last = lines.pop();
    if (last !== undefined && last !== "") {
      contents.problems.push({
        where: `${where} line ${lines.length + 1}`,
        file: name,
        torn: true,
        problem: "is cut short (the writer stopped while writing it; its run never resolved)",
      });
    }
    const records: (WriteAheadRecord | undefined)[] = [];
    lines.forEach((line, index) => {
      const at = `${where} line ${index + 1}`;
      const record = parseRecord(line);
      if (typeof record === "string") contents.problems.push({ where: at, file: name, torn: false, problem: record });
      else if ("sealed" in record) for (const runId of record.sealed) contents.sealed.add(runId);
      else if ("abandoned" in record) cancelLast(records, record);
      else records.push({ where: at, file: name, ...record });
    });
    for (const record of records) if (record !== undefined) contents.records.push(record);
  }
  return contents;
}

/** An abandon line cancels the latest line before it, in its own log, of the same run id and signature. */
function cancelLast(records: (WriteAheadRecord | undefined)[], abandoned: { runId: string; signature: string }): void {
  for (let index = records.length - 1; index >= 0; index -= 1) {
    const record = records[index];
    if (record?.runId === abandoned.runId && record.signature === abandoned.signature) {
      records[index] = undefined;
      return;
    }
  }
}

// A log holds whole receipts and is removed once they are chained, past 8 MiB: a larger cap than a
// receipt's, for a writer whose journal could not be written for a long time.
const MAX_LOG_BYTES = 512 * 1024 * 1024;

// Refuses FIFOs and devices named like a log (a read would hang), as the receipt readers do.
function readUtf8(path: string): string {
  return readRegularFileSync(path, MAX_LOG_BYTES);
}

function parseRecord(
  line: string,
): Omit<WriteAheadRecord, "where" | "file"> | { runId: string; signature: string; abandoned: string } | { sealed: string[] } | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "is not valid JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "is not a JSON object";
  const { runId, signature, receipt, abandoned, sealed } = value as Record<string, unknown>;
  if (Array.isArray(sealed) && sealed.every((item) => typeof item === "string") && Object.keys(value).length === 1) return { sealed: sealed as string[] };
  if (typeof runId === "string" && typeof signature === "string" && typeof abandoned === "string" && receipt === undefined) {
    return { runId, signature, abandoned };
  }
  if (typeof runId !== "string" || typeof signature !== "string" || typeof receipt !== "object" || receipt === null) {
    return "is not a write-ahead record";
  }
  return { runId, signature, receipt };
}
