/** Marks a worker thread started to examine receipts (see `receipt-worker.ts`). */
export const RECEIPT_WORKER = "enact-sdk receipt examiner v1";

/**
 * What a receipt-examining worker is started with. The secret travels in `workerData`, which is
 * copied to the worker's memory only; it is never logged or sent back.
 */
export interface ReceiptWorkerData {
  kind: typeof RECEIPT_WORKER;
  directory: string;
  secret: string;
}

/** True when `data` (a thread's `workerData`) asks it to examine receipts. */
export function isReceiptWorkerData(data: unknown): data is ReceiptWorkerData {
  return typeof data === "object" && data !== null && (data as { kind?: unknown }).kind === RECEIPT_WORKER;
}
