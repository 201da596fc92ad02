import { ConfigurationError, StoreUnavailableError } from "../errors.js";
import type { PolicyResult } from "../models.js";
import { describeError } from "../policy.js";
import type { ReceiptStore } from "../stores/receipt-store.js";
import { ControlSigner, type HaltRecord } from "./records.js";

/** What `haltStatus()` reports. */
export interface HaltStatus {
  halted: boolean;
  by?: string;
  reason?: string;
  since?: string;
}

/** How long a run may rely on the halt state it last read: every client sees a halt within it. */
export const HALT_CACHE_MS = 1_000;
// Past this age a run still uses the cached state but starts a read in the background, so a
// client that runs steadily almost never waits for the store.
const REFRESH_AFTER_MS = 500;

type HaltStore = Required<Pick<ReceiptStore, "setHalt" | "getHalt">>;

/**
 * The kill switch: a signed halt record in the store, shared by every client on it. Runs read it
 * through a cache of at most `HALT_CACHE_MS`, so checking costs nothing on most runs; a record
 * that does not verify counts as halted (fail closed).
 */
export class KillSwitch {
  readonly #store: ReceiptStore;
  readonly #signer: ControlSigner;
  readonly #now: () => number;
  // null: not halted. undefined: never read.
  #cached: PolicyResult | null | undefined;
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<PolicyResult | null> | undefined;

  constructor(store: ReceiptStore, signer: ControlSigner, now: () => number) {
    this.#store = store;
    this.#signer = signer;
    this.#now = now;
  }

  /** Whether the store can keep a halt record at all. */
  get available(): boolean {
    return this.#store.setHalt !== undefined && this.#store.getHalt !== undefined;
  }

  async halt(by: { by: string; reason: string }): Promise<HaltRecord> {
    if (typeof by?.by !== "string" || by.by.trim() === "") throw new TypeError("halt({ by, reason }): by must be a non-empty string");
    if (typeof by.reason !== "string" || by.reason.trim() === "") throw new TypeError("halt({ by, reason }): reason must be a non-empty string");
    return this.#set({ halted: true, by: by.by, reason: by.reason });
  }

  async unhalt(by: { by: string }): Promise<HaltRecord> {
    if (typeof by?.by !== "string" || by.by.trim() === "") throw new TypeError("unhalt({ by }): by must be a non-empty string");
    return this.#set({ halted: false, by: by.by });
  }

  /** The switch as stored now (no cache). */
  async status(): Promise<HaltStatus> {
    const store = this.#required();
    const text = await store.getHalt();
    if (text === undefined) return { halted: false };
    const record = this.#signer.open(text, "halt");
    if (record === undefined) return { halted: true, reason: "the kill switch record does not verify" };
    const status: HaltStatus = { halted: record.halted, by: record.by, since: record.at };
    if (record.reason !== undefined) status.reason = record.reason;
    return status;
  }

  /**
   * The failing `kill_switch` result while halted, else null; without a promise while the cached
   * state is fresh. A store without a halt record never halts. Rejects with
   * `StoreUnavailableError` when the store cannot be read: the run stops before any side effect,
   * as when the store cannot record its receipt.
   */
  current(): PolicyResult | null | Promise<PolicyResult | null> {
    if (!this.available) return null;
    const age = this.#now() - this.#readAt;
    if (this.#cached !== undefined && age < HALT_CACHE_MS) {
      if (age >= REFRESH_AFTER_MS) void this.#read().catch(() => undefined);
      return this.#cached;
    }
    return this.#read().catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(`its kill switch could not be read (${describeError(error)})`, { cause: error });
    });
  }

  #read(): Promise<PolicyResult | null> {
    this.#reading ??= (async () => {
      const startedAt = this.#now();
      try {
        const status = await this.status();
        const result: PolicyResult | null = status.halted
          ? {
              policy: "kill_switch",
              passed: false,
              reason:
                status.by === undefined
                  ? `Halted: ${status.reason ?? "no reason"}`
                  : `Halted by ${status.by} since ${status.since ?? "?"}: ${status.reason ?? "no reason given"}`,
            }
          : null;
        this.#cached = result;
        this.#readAt = startedAt;
        return result;
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  async #set(fields: { halted: boolean; by: string; reason?: string }): Promise<HaltRecord> {
    const store = this.#required();
    const unsigned: Omit<HaltRecord, "signature"> = { kind: "halt", halted: fields.halted, by: fields.by, at: new Date(this.#now()).toISOString() };
    if (fields.reason !== undefined) unsigned.reason = fields.reason;
    const { record, json } = this.#signer.sign(unsigned);
    await store.setHalt(json);
    // This client sees its own switch at once.
    this.#cached = undefined;
    return record;
  }

  #required(): HaltStore {
    if (!this.available) {
      throw new ConfigurationError("This receipt store cannot keep a kill switch (it lacks setHalt and getHalt). Use FileReceiptStore, PostgresReceiptStore or MemoryReceiptStore.");
    }
    return this.#store as HaltStore & ReceiptStore;
  }
}
