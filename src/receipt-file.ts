import { randomBytes } from "node:crypto";
import { link, mkdir, open, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ReceiptExistsError } from "./errors.js";
import type { Receipt } from "./models.js";

const RUN_ID = /^[0-9a-fA-F-]{36}$/;

/** The file a receipt lives in: `<directory>/<runId>.json`. */
export function receiptPath(directory: string, runId: string): string {
  // The run id becomes a file name: refuse anything that could leave the directory.
  if (!RUN_ID.test(runId)) throw new TypeError(`Not a receipt run id: ${JSON.stringify(runId)}`);
  return join(directory, `${runId}.json`);
}

/**
 * Writes `receipt` as 2-space JSON to `<directory>/<runId>.json` and returns the path.
 * The directory is created if missing. The write is atomic: the receipt is written to a
 * temporary file that is then hard-linked to its final name, so no reader ever sees half a
 * receipt, and the link fails rather than replace a receipt that already exists
 * (`ReceiptExistsError`, the existing file untouched).
 */
export async function writeReceipt(receipt: Receipt, directory = "receipts"): Promise<string> {
  const path = receiptPath(directory, receipt.runId);
  await mkdir(directory, { recursive: true });
  await writeNewFile(path, `${JSON.stringify(receipt, null, 2)}\n`);
  return path;
}

/** Creates `path` with `text`, atomically, failing with ReceiptExistsError if it exists. */
export async function writeNewFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const file = await open(temporary, "wx");
  try {
    await file.writeFile(text, "utf8");
  } finally {
    await file.close();
  }
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new ReceiptExistsError(path);
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}
