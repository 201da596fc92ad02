import { close, fsync, link, mkdir, open, write } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ReceiptExistsError } from "./errors.js";
import type { Receipt } from "./models.js";
import { closeTemporaryFile, forgetTemporaryName, openTemporaryFile, removeTemporaryName, reserveTemporaryName } from "./temporary-file.js";
import { createInline } from "./inline-create.js";
import { writerThreads, WriterThreadStoppedError, type FileToCreate, type WriterThreads } from "./writer-thread.js";

const RUN_ID = /^[0-9a-fA-F-]{36}$/;

/** The file a receipt lives in: `<directory>/<runId>.json`. */
export function receiptPath(directory: string, runId: string): string {
  // The run id becomes a file name: refuse anything that could leave the directory.
  if (!RUN_ID.test(runId)) throw new TypeError(`Not a receipt run id: ${JSON.stringify(runId)}`);
  return join(directory, `${runId}.json`);
}

const writeAsync = promisify(write);
const linkAsync = promisify(link);
const fsyncAsync = promisify(fsync);
const openAsync = promisify(open);
const closeAsync = promisify(close);
const mkdirAsync = promisify(mkdir);

/**
 * Writes `receipt` as 2-space JSON to `<directory>/<runId>.json` and returns the path.
 * The directory is created if missing. The write is atomic: the receipt is written to a
 * temporary file that is then hard-linked to its final name, so no reader ever sees half a
 * receipt, and the link fails rather than replace a receipt that already exists
 * (`ReceiptExistsError`, the existing file untouched).
 *
 * Durability: when the promise resolves the receipt is in the operating system's page cache,
 * under its final name: it survives the process crashing or being killed, not a power loss or
 * kernel crash before the kernel writes it back (seconds; ext4 commits every 5 s by default).
 * It is not fsynced: see README, "Performance".
 */
export async function writeReceipt(receipt: Receipt, directory = "receipts"): Promise<string> {
  const path = receiptPath(directory, receipt.runId);
  await writeNewFile(path, receiptText(receipt));
  return path;
}

/**
 * `writeReceipt` without the temporary file, for several receipts at once, each `text` (see
 * `receiptText`) at its `receiptPath`: created under its final name directly (exclusively, so an
 * existing receipt is never replaced), one directory operation instead of three, by the writer
 * threads in one hand-over (see `WriterThreads.createAll`); `settle` is called once per receipt
 * with its index and, when it failed, its error (ReceiptExistsError when its name is taken). A
 * reader can then find a file still being written, or left half-written by a killed process: only
 * for a store whose journal records which receipts are complete, and whose readers honour it
 * (`FileReceiptStore`, with its write-ahead log).
 */
export function createReceiptFiles(receipts: readonly { text: string; path: string }[], settle: (index: number, error: unknown) => void): void {
  const files = receipts.map(({ text, path }) => ({ path, temporaryPath: null, text }));
  const done = (index: number, error: unknown): void => settle(index, error === undefined ? undefined : directError((files[index] as FileToCreate).path, error));
  const threads = writerThreads();
  if (threads !== undefined) threads.createAll(files, done);
  else files.forEach((file, index) => createDirectly(file.path, file.text).then(() => done(index, undefined), (error: unknown) => done(index, error)));
}

/**
 * One receipt's `text` created as `createReceiptFiles` does, but on the event loop's own thread,
 * for a store that runs one write at a time (see `takeInlineTurn`): synchronous calls, then a
 * yield to the next turn.
 */
export async function createReceiptFileInline(text: string, path: string): Promise<string> {
  try {
    await createInline(path, text);
  } catch (error) {
    throw directError(path, error);
  }
  return path;
}

/** What a receipt's file holds: its 2-space JSON and a newline. Throws for a value JSON cannot hold (a bigint, a cycle). */
export function receiptText(receipt: Receipt): string {
  return `${JSON.stringify(receipt, null, 2)}\n`;
}

/** A direct create's failure: ReceiptExistsError when the name is taken, else Node's own error. */
function directError(path: string, error: unknown): unknown {
  const { code, syscall } = error as NodeJS.ErrnoException;
  return code === "EEXIST" && syscall === "open" ? new ReceiptExistsError(path) : error;
}

/** Options of `writeNewFile`. */
export interface NewFileOptions {
  /**
   * Fsync the file and its directory once linked, before resolving: its data and its name then
   * survive a power loss. After the link, so that the name is covered too (on ext4 and XFS the
   * file's own fsync already commits it; the directory's covers other file systems).
   */
  durable?: boolean;
}

/**
 * Creates `path` with `text`, atomically, failing with ReceiptExistsError if it exists. A
 * missing directory is created.
 *
 * The text is written to a new temporary file in the directory's `.tmp/`, which is then
 * hard-linked to `path` and its temporary name removed: `link` fails if `path` exists, and a
 * reader finds either no file or the whole text. The work is done by the process's writer
 * threads (see `WriterThreads`), or, for a durable file or where worker threads are refused, by
 * the libuv threadpool, one request per system call. A process killed mid-write can leave a
 * `.tmp/*.tmp` file behind, which no reader treats as a receipt. Meant for a local disk: a network
 * file system may show other machines the data only after close.
 */
export async function writeNewFile(path: string, text: string, options: NewFileOptions = {}): Promise<void> {
  const durable = options.durable === true;
  const threads = durable ? undefined : writerThreads();
  try {
    if (threads === undefined) await createThroughThreadpool(path, text, durable);
    else await createInWriterThread(threads, path, text);
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (code === "EEXIST" && syscall === "link") throw new ReceiptExistsError(path);
    throw error;
  }
}

async function createDirectly(path: string, text: string): Promise<void> {
  let fd: number;
  try {
    fd = await openAsync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdirAsync(dirname(path), { recursive: true });
    fd = await openAsync(path, "wx");
  }
  try {
    const bytes = Buffer.from(text, "utf8");
    for (let offset = 0; offset < bytes.length; ) {
      offset += (await writeAsync(fd, bytes, offset, bytes.length - offset, null)).bytesWritten;
    }
  } finally {
    await closeAsync(fd);
  }
}

async function createInWriterThread(threads: WriterThreads, path: string, text: string): Promise<void> {
  const temporaryPath = reserveTemporaryName(dirname(path));
  try {
    await threads.create({ path, temporaryPath, text });
  } catch (error) {
    // A thread that stopped before answering may have left the name: it is removed at exit.
    if (!(error instanceof WriterThreadStoppedError)) forgetTemporaryName(temporaryPath);
    throw error;
  }
  // Answered for: the thread removed the temporary name.
  forgetTemporaryName(temporaryPath);
}

async function createThroughThreadpool(path: string, text: string, durable: boolean): Promise<void> {
  const file = await openTemporaryFile(dirname(path));
  try {
    const bytes = Buffer.from(text, "utf8");
    for (let offset = 0; offset < bytes.length; ) {
      offset += (await writeAsync(file.fd, bytes, offset, bytes.length - offset, null)).bytesWritten;
    }
    await linkAsync(file.path, path);
    if (durable) {
      await fsyncAsync(file.fd);
      await syncDirectory(dirname(path));
    }
  } finally {
    closeTemporaryFile(file);
    await removeTemporaryName(file);
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const fd = await openAsync(directory, "r");
  try {
    await fsyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
}
