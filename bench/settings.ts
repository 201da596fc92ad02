/** How long the benchmark measures: `--quick` for a smoke run, the defaults for the README table. */
export interface Settings {
  /** Measured rounds per comparison (plus one warm-up round). */
  rounds: number;
  /** Length of one in-memory batch, ms. */
  batchMs: number;
  /** Length of one batch that touches the filesystem or a database, ms. */
  fileBatchMs: number;
  /** Receipts the CLI verifies. */
  verifyReceipts: number;
  /** Receipts in the store `enact-sdk ui` and `enact-sdk list` page through (section 9). */
  uiReceipts: number;
  /** Runs of each subject a section 6 worker process makes before it is timed (see postgres-store-worker.ts). */
  fleetWarmUpRuns: number;
}

export const FULL: Settings = { rounds: 8, batchMs: 150, fileBatchMs: 300, verifyReceipts: 10_000, uiReceipts: 100_000, fleetWarmUpRuns: 3_000 };
export const QUICK: Settings = { rounds: 2, batchMs: 40, fileBatchMs: 60, verifyReceipts: 1_000, uiReceipts: 5_000, fleetWarmUpRuns: 50 };
