import type { JournalKey } from "../journal/key.js";
import type { Decision, Receipt } from "../models.js";

/** Which receipts `list()` returns; every field narrows the result. */
export interface ReceiptFilter {
  workflow?: string;
  actorEmail?: string;
  decision?: Decision;
  /** Inclusive lower bound on the receipt's timestamp. */
  since?: Date;
  /** Exclusive upper bound on the receipt's timestamp. */
  until?: Date;
}

/** Where `EnactClient` keeps receipts. */
export interface ReceiptStore {
  /** Persists a signed receipt and returns where it went. Rejects if that run id is already stored. */
  write(receipt: Receipt): Promise<string>;
  /** The stored receipt of a run, or undefined. It is returned as stored: verify it before trusting it. */
  load(runId: string): Promise<Receipt | undefined>;
  /** Stored receipts matching `filter`, oldest first. */
  list(filter?: ReceiptFilter): Promise<Receipt[]>;
  /**
   * Optional: receives the key of the store's tamper-evident journal, derived from the client's
   * secret, when the store is handed to `EnactClient` (issue 8).
   */
  attachJournal?(key: JournalKey): void;
}

/** True when `receipt` passes every condition of `filter`. */
export function matchesFilter(receipt: Receipt, filter: ReceiptFilter = {}): boolean {
  const time = Date.parse(receipt.timestamp);
  return (
    (filter.workflow === undefined || receipt.workflow === filter.workflow) &&
    (filter.actorEmail === undefined || receipt.actorEmail === filter.actorEmail) &&
    (filter.decision === undefined || receipt.decision === filter.decision) &&
    (filter.since === undefined || time >= filter.since.getTime()) &&
    (filter.until === undefined || time < filter.until.getTime())
  );
}
