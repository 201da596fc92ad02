import { ReceiptExistsError } from "../errors.js";
import type { Receipt } from "../models.js";
import { byTime, matchesFilter, type ClaimState, type IdempotencyClaim, type ReceiptFilter, type ReceiptStore } from "./receipt-store.js";

/**
 * Receipts and claims in this process's memory: for tests, benchmarks and short-lived scripts.
 * Nothing survives a restart, so it is no audit trail and no cross-process idempotency.
 */
export class MemoryReceiptStore implements ReceiptStore {
  readonly #receipts = new Map<string, Receipt>();
  readonly #claims = new Map<string, IdempotencyClaim>();

  async write(receipt: Receipt): Promise<string> {
    if (this.#receipts.has(receipt.runId)) throw new ReceiptExistsError(`memory:${receipt.runId}`);
    this.#receipts.set(receipt.runId, structuredClone(receipt));
    return `memory:${receipt.runId}`;
  }

  async load(runId: string): Promise<Receipt | undefined> {
    const receipt = this.#receipts.get(runId);
    return receipt === undefined ? undefined : structuredClone(receipt);
  }

  async list(filter?: ReceiptFilter): Promise<Receipt[]> {
    return [...this.#receipts.values()].filter((receipt) => matchesFilter(receipt, filter)).sort(byTime).map((r) => structuredClone(r));
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
}
