import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { IdempotencyConflictError, IdempotencyInProgressError, TamperedStoredReceiptError } from "./errors.js";
import type { Payload, Receipt, RunResult } from "./models.js";
import { resultFromReceipt } from "./run-result.js";
import { canonicalJson } from "./receipt.js";
import type { IdempotencyClaim, ReceiptStore } from "./stores/receipt-store.js";

/** SHA-256 of the canonical request: the same key must always mean the same request. */
export function requestFingerprint(workflow: string, actorEmail: string, payload: Payload): string {
  return createHash("sha256").update(canonicalJson({ workflow, actorEmail, payload }), "utf8").digest("hex");
}

// Moved to run-result.ts (issue 24); re-exported for the callers that import it from here.
export { resultFromReceipt } from "./run-result.js";

/** What `KeyedRuns` needs to know about the request it guards. */
export interface KeyedRequest {
  key: string;
  fingerprint: string;
  workflow: string;
  actorEmail: string;
  payload: Payload;
}

type Outcome = [RunResult, Receipt];

const OWNER = `${hostname()}:${process.pid}`;
/** Run ids executing in this process, across every client: a claim owned by this process is alive only if listed. */
const RUNNING = new Set<string>();
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 250;

/**
 * At-most-once execution per idempotency key. The key is claimed in the store before anything
 * else happens; only the run that wins the claim executes. Duplicates in this process await the
 * winner directly; duplicates elsewhere poll the store until the winner's receipt appears, for at
 * most `waitMs`, then get `IdempotencyInProgressError`. A claim whose run never finished is never
 * taken over automatically: it must be reconciled.
 */
export class KeyedRuns {
  readonly #store: ReceiptStore;
  readonly #waitMs: number;
  readonly #verify: (receipt: unknown) => boolean;
  readonly #inFlight = new Map<string, { fingerprint: string; runId: string; outcome: Promise<Outcome> }>();

  /** `verify` tells a receipt signed with the client's secret from any other: only those are replayed. */
  constructor(store: ReceiptStore, waitMs: number, verify: (receipt: unknown) => boolean) {
    this.#store = store;
    this.#waitMs = waitMs;
    this.#verify = verify;
  }

  /**
   * The stored receipt of the run holding `key`, if there is one yet, after checking that it is
   * that run's receipt, signed with the client's secret: anything else throws
   * `TamperedStoredReceiptError` instead of being replayed.
   */
  async loadVerified(key: string, runId: string): Promise<Receipt | undefined> {
    const receipt = await this.#store.load(runId);
    if (receipt === undefined) return undefined;
    if (!this.#verify(receipt)) throw new TamperedStoredReceiptError(runId, key, "does not verify (it was changed, or signed with another secret)");
    if (receipt.runId !== runId || receipt.idempotencyKey !== key) {
      throw new TamperedStoredReceiptError(runId, key, `belongs to another run (${String(receipt.runId)}, key ${String(receipt.idempotencyKey)})`);
    }
    return receipt;
  }

  /** Runs `execute(runId)` once for the key, or returns the outcome of the run that did. */
  async run(request: KeyedRequest, runId: string, execute: (runId: string) => Promise<Outcome>): Promise<Outcome> {
    const local = this.#inFlight.get(request.key);
    if (local !== undefined) {
      if (local.fingerprint !== request.fingerprint) {
        // The run in flight here may be waiting for a holder elsewhere: name the run holding the key.
        const holder = await this.#store.getClaim(request.key).catch(() => undefined);
        throw new IdempotencyConflictError(request.key, holder?.runId ?? local.runId);
      }
      return replay(await local.outcome);
    }
    const outcome = this.#claimThenRun(request, runId, execute);
    const entry = { fingerprint: request.fingerprint, runId, outcome };
    this.#inFlight.set(request.key, entry);
    try {
      return await outcome;
    } finally {
      if (this.#inFlight.get(request.key) === entry) this.#inFlight.delete(request.key);
    }
  }

  async #claimThenRun(request: KeyedRequest, runId: string, execute: (runId: string) => Promise<Outcome>): Promise<Outcome> {
    const now = new Date().toISOString();
    const claim: IdempotencyClaim = {
      key: request.key,
      fingerprint: request.fingerprint,
      workflow: request.workflow,
      actorEmail: request.actorEmail,
      payload: request.payload,
      runId,
      state: "claimed",
      owner: OWNER,
      claimedAt: now,
      updatedAt: now,
    };
    const holder = await this.#store.claim(claim);
    if (holder === undefined) {
      RUNNING.add(runId);
      try {
        return await execute(runId);
      } finally {
        RUNNING.delete(runId);
      }
    }
    if (holder.fingerprint !== request.fingerprint) throw new IdempotencyConflictError(request.key, holder.runId);
    return this.#awaitHolder(request, holder, runId, execute);
  }

  // Another run holds the key: wait (bounded) for its receipt. If the key is released meanwhile,
  // compete for it again.
  async #awaitHolder(
    request: KeyedRequest,
    first: IdempotencyClaim,
    runId: string,
    execute: (runId: string) => Promise<Outcome>,
  ): Promise<Outcome> {
    const deadline = Date.now() + this.#waitMs;
    let holder = first;
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      const receipt = await this.loadVerified(holder.key, holder.runId);
      if (receipt !== undefined) {
        if (holder.state !== "completed") await this.#store.updateClaim(holder.key, holder.runId, "completed").catch(() => undefined);
        return replay([resultFromReceipt(receipt), receipt]);
      }
      const gone = this.#ownerGone(holder);
      if (gone || Date.now() >= deadline) {
        throw new IdempotencyInProgressError(holder.key, holder.runId, holder.state, holder.claimedAt, gone);
      }
      await delay(Math.min(pause, Math.max(deadline - Date.now(), 0)));
      const current = await this.#store.getClaim(request.key);
      if (current === undefined) return this.#claimThenRun(request, runId, execute);
      if (current.fingerprint !== request.fingerprint) throw new IdempotencyConflictError(request.key, current.runId);
      holder = current;
    }
  }

  // Only provable on this machine: the claiming process no longer exists, or it is this process
  // and the run is not in flight here (it failed before completing its claim).
  #ownerGone(claim: IdempotencyClaim): boolean {
    const separator = claim.owner.lastIndexOf(":");
    const host = claim.owner.slice(0, separator);
    const pid = Number(claim.owner.slice(separator + 1));
    if (host !== hostname() || !Number.isInteger(pid)) return false;
    if (pid === process.pid) return !RUNNING.has(claim.runId);
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ESRCH";
    }
  }
}

function replay([result, receipt]: Outcome): Outcome {
  return [{ ...result, replayed: true }, receipt];
}
