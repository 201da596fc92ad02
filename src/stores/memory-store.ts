import { ReceiptExistsError } from "../errors.js";
import type { Receipt } from "../models.js";
import type { CutoutState } from "../approvals/cutout-window.js";
import {
  byTime,
  matchesFilter,
  type ApprovalStage,
  type ApprovalStages,
  type ClaimState,
  type IdempotencyClaim,
  type ReceiptFilter,
  type ReceiptStore,
} from "./receipt-store.js";

/**
 * Receipts and claims in this process's memory: for tests, benchmarks and short-lived scripts.
 * Nothing survives a restart, so it is no audit trail and no cross-process idempotency.
 */
export class MemoryReceiptStore implements ReceiptStore {
  // Kept as JSON text, like the file store: immutable, and stringify/parse cost a fraction of structuredClone.
  readonly #receipts = new Map<string, string>();
  readonly #claims = new Map<string, IdempotencyClaim>();

  async write(receipt: Receipt, json?: string): Promise<string> {
    if (this.#receipts.has(receipt.runId)) throw new ReceiptExistsError(`memory:${receipt.runId}`);
    this.#receipts.set(receipt.runId, json ?? JSON.stringify(receipt));
    return `memory:${receipt.runId}`;
  }

  async load(runId: string): Promise<Receipt | undefined> {
    const text = this.#receipts.get(runId);
    return text === undefined ? undefined : (JSON.parse(text) as Receipt);
  }

  async list(filter?: ReceiptFilter): Promise<Receipt[]> {
    const receipts = [...this.#receipts.values()].map((text) => JSON.parse(text) as Receipt);
    return receipts.filter((receipt) => matchesFilter(receipt, filter)).sort(byTime);
  }

  async claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined> {
    const existing = this.#claims.get(claim.key);
    if (existing !== undefined) return { ...existing };
    this.#claims.set(claim.key, { ...claim });
    return undefined;
  }

  async updateClaim(key: string, runId: string, state: ClaimState): Promise<void> {
    const existing = this.#claims.get(key);
    if (existing?.runId === runId) this.#claims.set(key, { ...existing, state, updatedAt: new Date().toISOString() });
  }

  async getClaim(key: string): Promise<IdempotencyClaim | undefined> {
    const claim = this.#claims.get(key);
    return claim === undefined ? undefined : { ...claim };
  }

  async releaseClaim(key: string, runId: string): Promise<boolean> {
    if (this.#claims.get(key)?.runId !== runId) return false;
    return this.#claims.delete(key);
  }

  // --- approvals, kill switch, thermal cutouts (issue 23) ---
  readonly #approvals = new Map<string, ApprovalStages>();
  #halt: string | undefined;
  readonly #cutouts = new Map<string, CutoutState>();

  async putApprovalStage(id: string, stage: ApprovalStage, json: string): Promise<boolean> {
    const stages = this.#approvals.get(id) ?? {};
    if (stages[stage] !== undefined) return false;
    this.#approvals.set(id, { ...stages, [stage]: json });
    return true;
  }

  async getApprovalStages(id: string): Promise<ApprovalStages> {
    return { ...this.#approvals.get(id) };
  }

  async listApprovals(): Promise<ApprovalStages[]> {
    return [...this.#approvals.values()].map((stages) => ({ ...stages }));
  }

  async setHalt(json: string): Promise<void> {
    this.#halt = json;
  }

  async getHalt(): Promise<string | undefined> {
    return this.#halt;
  }

  async updateCutout<T>(key: string, update: (current: CutoutState | undefined) => [CutoutState, T]): Promise<T> {
    // One synchronous read-modify-write: nothing else in this process runs in between.
    const current = this.#cutouts.get(key);
    const [next, result] = update(current === undefined ? undefined : { times: [...current.times], blockedUntil: current.blockedUntil });
    this.#cutouts.set(key, { times: [...next.times], blockedUntil: next.blockedUntil });
    return result;
  }
}
