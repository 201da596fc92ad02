import type { JournalKey } from "../journal/key.js";
import type { CutoutState } from "../approvals/cutout-window.js";
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
  /** Only receipts decided by this policy set (`receipt.policySet.digest`, 64 hex digits). */
  policySetDigest?: string;
}

/**
 * Where a keyed run stands. `claimed`: the key is taken, policies are being checked, nothing
 * has run. `executing`: the workflow may have changed things. `completed`: the receipt is stored.
 */
export type ClaimState = "claimed" | "executing" | "completed";

/** The durable record of who holds an idempotency key. */
export interface IdempotencyClaim {
  key: string;
  /** SHA-256 of the canonical request (workflow, actor, payload): a reused key must mean the same request. */
  fingerprint: string;
  /** The request, kept so that a crashed run can be reconciled with a complete receipt. */
  workflow: string;
  actorEmail: string;
  payload: Record<string, unknown>;
  /** The run that holds the key; its receipt will carry this run id. */
  runId: string;
  state: ClaimState;
  /** `hostname:pid` of the process that claimed it, for diagnosing crashes. */
  owner: string;
  claimedAt: string;
  updatedAt: string;
}

/** Where `EnactClient` keeps receipts and idempotency claims. */
export interface ReceiptStore {
  /**
   * Persists a signed receipt and returns where it went. Rejects if that run id is already stored.
   * `json`, when given, is that same receipt as JSON text, made as it was signed (`EnactClient`
   * passes it): a store that keeps JSON can keep it instead of serializing the receipt again.
   */
  write(receipt: Receipt, json?: string): Promise<string>;
  /** The stored receipt of a run, or undefined. It is returned as stored: verify it before trusting it. */
  load(runId: string): Promise<Receipt | undefined>;
  /** Stored receipts matching `filter`, oldest first. */
  list(filter?: ReceiptFilter): Promise<Receipt[]>;
  /**
   * Atomically takes `claim.key` for `claim.runId`. Resolves undefined when this call won the key,
   * or with the claim already holding it. Exactly one of any number of concurrent callers, in any
   * number of processes sharing the store, wins.
   */
  claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined>;
  /** Moves the claim of `key` held by `runId` to `state`. */
  updateClaim(key: string, runId: string, state: ClaimState): Promise<void>;
  /** The claim holding `key`, if any. */
  getClaim(key: string): Promise<IdempotencyClaim | undefined>;
  /** Frees `key` if `runId` still holds it, so the key may be claimed again. Resolves whether it did. */
  releaseClaim(key: string, runId: string): Promise<boolean>;
  /**
   * Optional: rejects (or throws) with `StoreUnavailableError` when the store could not record a
   * receipt now. `EnactClient` calls it after the policies pass and before the workflow executes,
   * so a store that is known to be failing stops runs before any side effect (fail closed). Keep
   * it cheap: it is on every run's path.
   */
  assertWritable?(): void | Promise<void>;
  /** Resolves once everything written so far is durable in the store's own terms (e.g. journaled). */
  flush?(): Promise<void>;
  /**
   * Optional: receives the key of the store's tamper-evident journal, derived from the client's
   * secret, when the store is handed to `EnactClient` (issue 8).
   */
  attachJournal?(key: JournalKey): void;

  // --- Approvals, the kill switch and thermal cutouts (issue 23). Optional: a client whose store
  // lacks them refuses approvals and halts with a ConfigurationError, and blocks runs that need them.
  // Records are signed JSON text; the store keeps them as given and never interprets them. ---

  /**
   * Writes one stage of approval `id` (a UUID) unless that stage already exists. Resolves whether
   * this call wrote it: of any number of concurrent writers, in any number of processes sharing
   * the store, exactly one wins (this is what makes decide-once and use-once atomic).
   */
  putApprovalStage?(id: string, stage: ApprovalStage, json: string): Promise<boolean>;
  /** The stages of approval `id` written so far. */
  getApprovalStages?(id: string): Promise<ApprovalStages>;
  /** The stages of every approval request in the store. */
  listApprovals?(): Promise<ApprovalStages[]>;
  /** Replaces the kill switch's record (last writer wins). */
  setHalt?(json: string): Promise<void>;
  /** The kill switch's record, or undefined when it was never set. */
  getHalt?(): Promise<string | undefined>;
  /**
   * Atomically reads, updates and writes the state of thermal-cutout `key`: no other call for the
   * same key, in any process sharing the store, runs between the read and the write. `update`
   * gets undefined for a key never seen or whose stored state is unreadable.
   */
  updateCutout?<T>(key: string, update: (current: CutoutState | undefined) => [CutoutState, T]): Promise<T>;
}

/** `request`: the pending request; `decision`: approved or denied; `use`: the run that used it. */
export type ApprovalStage = "request" | "decision" | "use";

/** Each stage's signed record, as stored, if written. */
export type ApprovalStages = Partial<Record<ApprovalStage, string>>;

export const APPROVAL_STAGES: readonly ApprovalStage[] = ["request", "decision", "use"];

/** True when `receipt` passes every condition of `filter`. */
export function matchesFilter(receipt: Receipt, filter: ReceiptFilter = {}): boolean {
  const time = Date.parse(receipt.timestamp);
  return (
    (filter.workflow === undefined || receipt.workflow === filter.workflow) &&
    (filter.actorEmail === undefined || receipt.actorEmail === filter.actorEmail) &&
    (filter.decision === undefined || receipt.decision === filter.decision) &&
    (filter.since === undefined || time >= filter.since.getTime()) &&
    (filter.until === undefined || time < filter.until.getTime()) &&
    (filter.policySetDigest === undefined || receipt.policySet?.digest === filter.policySetDigest)
  );
}

/** Oldest first; run id breaks ties so the order is stable. */
export function byTime(a: Receipt, b: Receipt): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}
