import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Receipt } from "../models.js";
import { receiptPath, writeReceipt } from "../receipt-file.js";
import { matchesFilter, type ReceiptFilter, type ReceiptStore } from "./receipt-store.js";

const RECEIPT_FILE = /^[0-9a-f-]{36}\.json$/;

/**
 * Receipts as JSON files in one directory, `<directory>/<runId>.json`: the default store.
 *
 * @example
 * const enact = new EnactClient({ ..., receiptStore: new FileReceiptStore("/var/lib/agent/receipts") });
 */
export class FileReceiptStore implements ReceiptStore {
  constructor(readonly directory = "receipts") {}

  write(receipt: Receipt): Promise<string> {
    return writeReceipt(receipt, this.directory);
  }

  async load(runId: string): Promise<Receipt | undefined> {
    try {
      return JSON.parse(await readFile(receiptPath(this.directory, runId), "utf8")) as Receipt;
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
        .map(async (name) => JSON.parse(await readFile(join(this.directory, name), "utf8")) as Receipt),
    );
    return receipts
      .filter((receipt) => matchesFilter(receipt, filter))
      .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  }
}
