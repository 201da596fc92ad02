import { ReceiptSigner } from "../receipt.js";
import { examineReceipt, type ReceiptExamination } from "./audit.js";
import { readReceiptAt, receiptFilePaths } from "./file-source.js";
import { COUNTERS, type ReceiptWorkerData } from "./worker-data.js";

/**
 * The examinations of one batch, in the batch's run-id order. A receipt that is signed and holds
 * its own run (nearly every one) is sent as its signature alone, anything else as its whole
 * examination: the main thread copies a short string instead of an object per receipt.
 */
export interface ExaminedBatch {
  index: number;
  results: Array<string | ReceiptExamination>;
}

/**
 * The worker thread's side of a parallel audit (see `parallel-audit.ts`): claims batches of run
 * ids until none is left, and for each reads, parses and examines those receipt files and posts
 * their examinations. Only plain data crosses threads; the checks against the journal stay in the
 * main thread. Returns when every batch is claimed.
 */
export function serveReceiptExaminations(data: ReceiptWorkerData): void {
  const signer = new ReceiptSigner(data.secret);
  const counters = new Int32Array(data.counters);
  const pathOf = receiptFilePaths(data.directory);
  for (;;) {
    const index = Atomics.add(counters, COUNTERS.nextBatch, 1);
    const runIds = data.runIds.slice(index * data.batchSize, (index + 1) * data.batchSize);
    if (runIds.length === 0) return;
    const results: ExaminedBatch["results"] = [];
    for (const runId of runIds) {
      const examined = examineReceipt(signer, readReceiptAt(runId, pathOf(runId)));
      // A valid signature is 64 hex digits: `signature` is a string whenever `signed` is true.
      results.push(examined.signed && examined.heldRunId === undefined ? (examined.signature as string) : examined);
    }
    data.port.postMessage({ index, results } satisfies ExaminedBatch);
    Atomics.add(counters, COUNTERS.posted, 1);
    Atomics.notify(counters, COUNTERS.posted);
  }
}
