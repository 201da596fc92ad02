import type { MessagePort } from "node:worker_threads";

/** Marks a worker thread started to examine receipts (see `receipt-worker.ts`). */
export const RECEIPT_WORKER = "enact-sdk receipt examiner v2";

/**
 * What a receipt-examining worker is started with. The secret travels in `workerData`, which is
 * copied to the worker's memory only; it is never logged or sent back.
 */
export interface ReceiptWorkerData {
  kind: typeof RECEIPT_WORKER;
  directory: string;
  secret: string;
  /** The run ids of the audit, in the order batches are numbered over. */
  runIds: readonly string[];
  /** Run ids per batch: batch `n` is `runIds.slice(n * batchSize, (n + 1) * batchSize)`. */
  batchSize: number;
  /** The audit's shared counters (see `COUNTERS`), updated with `Atomics`. */
  counters: SharedArrayBuffer;
  /** Where the worker posts each batch's examinations (`ExaminedBatch`). */
  port: MessagePort;
}

/**
 * The Int32 counters every thread of an audit shares: the next batch to claim (each thread takes
 * batches with `Atomics.add`, so none is examined twice), and how many batches the workers have
 * posted (with `Atomics.notify`, so the main thread can wait for the last ones).
 */
export const COUNTERS = { nextBatch: 0, posted: 1, length: 2 } as const;

/** True when `data` (a thread's `workerData`) asks it to examine receipts. */
export function isReceiptWorkerData(data: unknown): data is ReceiptWorkerData {
  return typeof data === "object" && data !== null && (data as { kind?: unknown }).kind === RECEIPT_WORKER;
}
