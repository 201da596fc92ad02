import { close, fsync, link, open, write } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ReceiptExistsError } from "./errors.js";
import type { Receipt } from "./models.js";
import {
  closeTemporaryFile,
  dropSpares,
  openTemporaryFile,
  removeTemporaryName,
  removeTemporaryNameLater,
  takeTemporaryFile,
  type TemporaryFile,
} from "./temporary-file.js";

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
 * The text is written to a new temporary file, which is then hard-linked to `path`: `link` fails
 * if `path` exists, and a reader finds either no file or the whole text. The temporary file was
 * usually opened ahead of time (see `takeTemporaryFile`), so the caller waits for write and link
 * only, fewer threadpool round trips than creating a plain file. The temporary descriptor is closed
 * while the link is on its way, and the temporary name is removed after the caller has gone on,
 * in a batch with others (see `removeTemporaryNameLater`; a crash in between leaves a `.tmp/*.tmp`
 * name of the written file, which no reader treats as a receipt). Meant for a local disk: a
 * network file system may show other machines the data only after close.
 */
export async function writeNewFile(path: string, text: string, options: NewFileOptions = {}): Promise<void> {
  const directory = dirname(path);
  const bytes = Buffer.from(text, "utf8");
  const durable = options.durable === true;
  try {
    await fillAndLink(await takeTemporaryFile(directory), bytes, path, durable);
  } catch (error) {
    // A spare opened ahead of time may have gone with its directory (removed, or recreated since):
    // then the link finds no source, and so would the directory's other spares. One more try with
    // a file opened now, creating the directory.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    dropSpares(directory);
    await fillAndLink(await openTemporaryFile(directory), bytes, path, durable);
  }
}

async function fillAndLink(file: TemporaryFile, bytes: Buffer, path: string, durable: boolean): Promise<void> {
  let linked = false;
  let closed = false;
  try {
    for (let offset = 0; offset < bytes.length; ) {
      offset += (await writeAsync(file.fd, bytes, offset, bytes.length - offset, null)).bytesWritten;
    }
    const linking = linkAsync(file.path, path);
    if (!durable) {
      // The link works on names: the descriptor can be closed while it is on its way.
      closeTemporaryFile(file);
      closed = true;
    }
    await linking;
    linked = true;
    if (durable) {
      await fsyncAsync(file.fd);
      await syncDirectory(dirname(path));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new ReceiptExistsError(path);
    throw error;
  } finally {
    if (!closed) closeTemporaryFile(file);
    // A failed write is cleaned up before the caller hears of it; a successful one after.
    if (linked) removeTemporaryNameLater(file);
    else await removeTemporaryName(file);
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
