import { close, fsync, link, mkdir, open, write } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ReceiptExistsError } from "./errors.js";
import type { Receipt } from "./models.js";
import { closeTemporaryFile, forgetTemporaryName, openTemporaryFile, removeTemporaryName, reserveTemporaryName } from "./temporary-file.js";
import { createInline, takeInlineTurn } from "./inline-create.js";
import { writerThreads, writerThreadsBusy, WriterThreadStoppedError, type WriterThreads } from "./writer-thread.js";

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
  await writeNewFile(path, `${JSON.stringify(receipt, null, 2)}\n`);
  return path;
}

/**
 * `writeReceipt` without the temporary file: the receipt is created under its final name directly
 * (exclusively, so an existing receipt is never replaced), one directory operation instead of
 * three. A reader can then find a file still being written, or left half-written by a killed
 * process: only for a store whose journal records which receipts are complete, and whose readers
 * honour it (`FileReceiptStore`, with its write-ahead log).
 */
export async function createReceiptFile(receipt: Receipt, directory: string): Promise<string> {
  const path = receiptPath(directory, receipt.runId);
  await writeNewFile(path, `${JSON.stringify(receipt, null, 2)}\n`, { direct: true });
  return path;
}

/** Options of `writeNewFile`. */
export interface NewFileOptions {
  /** Create the file under its final name directly, with no temporary file (see `createReceiptFile`). */
  direct?: boolean;
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
  const direct = options.direct === true && !durable;
  try {
    // A direct create (the file store's receipts) may be made on this thread when no other is on
    // its way (see takeInlineTurn); concurrent creates go to the writer threads, to overlap.
    if (direct && !writerThreadsBusy() && takeInlineTurn()) {
      await createInline(path, text);
      return;
    }
    const threads = durable ? undefined : writerThreads();
    if (direct) await (threads === undefined ? createDirectly(path, text) : threads.create({ path, temporaryPath: null, text }));
    else if (threads === undefined) await createThroughThreadpool(path, text, durable);
    else await createInWriterThread(threads, path, text);
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (code === "EEXIST" && (syscall === "link" || (direct && syscall === "open"))) throw new ReceiptExistsError(path);
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
