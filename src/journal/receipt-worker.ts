import type { MessagePort } from "node:worker_threads";
import { ReceiptSigner } from "../receipt.js";
import { examineReceipt, type ReceiptExamination } from "./audit.js";
import { readReceiptFile } from "./file-source.js";
import type { ReceiptWorkerData } from "./worker-data.js";

/**
 * The worker thread's side of a parallel audit (see `parallel-audit.ts`): for each batch of run
 * ids it is sent, reads, parses and examines those receipt files of `data.directory` and sends
 * back their examinations, in the same order. Only plain data crosses threads; the checks against
 * the journal stay in the main thread.
 */
export function serveReceiptExaminations(port: MessagePort, data: ReceiptWorkerData): void {
  const signer = new ReceiptSigner(data.secret);
  port.on("message", (runIds: readonly string[]) => {
    const examined: ReceiptExamination[] = [];
    for (const runId of runIds) examined.push(examineReceipt(signer, readReceiptFile(data.directory, runId)));
    port.postMessage(examined);
  });
}
