import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ConfigurationError,
  EnactClient,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  MemoryReceiptStore,
  TamperedStoredReceiptError,
} from "enact-sdk";
import type { IdempotencyClaim, Receipt, ReceiptStore, RunResult } from "enact-sdk";
import { TEST_SECRET } from "../support/context.js";
import { countingWorkflow } from "../support/counting-workflow.js";
import { KeyedRuns, requestFingerprint, type KeyedRequest } from "../../src/idempotency.js";

// KeyedRuns on its own, against a store whose answers each test scripts. The pause between two
// polls of the store goes through node:timers/promises; here it resolves at once and records how
// long it was asked to wait, on a clock the test owns, so the backoff is pinned without real time.
const timers = vi.hoisted(() => ({ pauses: [] as number[], now: 0, limit: 50 }));
vi.mock("node:timers/promises", () => ({
  setTimeout: async (ms: number) => {
    timers.pauses.push(ms);
    if (timers.pauses.length > timers.limit) throw new Error("polled too many times");
    timers.now += ms;
  },
}));

beforeEach(() => {
  timers.pauses = [];
  timers.now = 0;
  vi.spyOn(Date, "now").mockImplementation(() => timers.now);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const payload = { to: "jane@acme.com", amount: 120 };
const fingerprint = requestFingerprint("send_invoice", "billing-agent@co.com", payload);
const request: KeyedRequest = { key: "inv-1", fingerprint, workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload };
const THIS_PROCESS = `${hostname()}:${process.pid}`;

function receiptOf(runId: string, key = "inv-1"): Receipt {
  return { runId, idempotencyKey: key, workflow: "send_invoice", decision: "PASS", actionsTaken: [], policyResults: [] } as unknown as Receipt;
}

function outcomeOf(runId: string): [RunResult, Receipt] {
  const receipt = receiptOf(runId);
  return [{ success: true, workflow: "send_invoice", output: {}, decision: "PASS", runId, reasons: [], errors: [], actions: [] }, receipt];
}

/** A run that stays in flight until released; `started` settles once it is executing. */
function heldRun(): { execute: (runId: string) => Promise<[RunResult, Receipt]>; release: () => void; started: Promise<void> } {
  let release: () => void = () => undefined;
  let start: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const started = new Promise<void>((resolve) => (start = resolve));
  const execute = async (runId: string): Promise<[RunResult, Receipt]> => {
    start();
    await gate;
    return outcomeOf(runId);
  };
  return { execute, release, started };
}

function claimOf(runId: string, overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim {
  return {
    key: "inv-1",
    fingerprint,
    workflow: "send_invoice",
    actorEmail: "billing-agent@co.com",
    payload,
    runId,
    state: "executing",
    owner: "another-host:4242",
    claimedAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

/** A store that answers claim/getClaim/load as scripted, and counts what it was asked. */
class ScriptedStore {
  claims: IdempotencyClaim[] = [];
  held: IdempotencyClaim | undefined;
  receipts = new Map<string, Receipt>();
  updates: [string, string, string][] = [];
  getClaimCalls = 0;
  loads: string[] = [];
  /** Answer of the Nth getClaim call (1-based); the held claim otherwise. */
  onGetClaim: ((call: number) => IdempotencyClaim | undefined) | undefined;
  failUpdate = false;

  async claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined> {
    this.claims.push(claim);
    if (this.held !== undefined) return this.held;
    this.held = claim;
    return undefined;
  }
  async getClaim(): Promise<IdempotencyClaim | undefined> {
    this.getClaimCalls += 1;
    return this.onGetClaim === undefined ? this.held : this.onGetClaim(this.getClaimCalls);
  }
  async load(runId: string): Promise<Receipt | undefined> {
    this.loads.push(runId);
    return this.receipts.get(runId);
  }
  async updateClaim(key: string, runId: string, state: string): Promise<void> {
    this.updates.push([key, runId, state]);
    if (this.failUpdate) throw new Error("store down");
  }
  async releaseClaim(): Promise<boolean> {
    this.held = undefined;
    return true;
  }
}

function keyed(store: ScriptedStore, waitMs = 0, verify: (receipt: unknown) => boolean = () => true): KeyedRuns {
  return new KeyedRuns(store as unknown as ReceiptStore, waitMs, verify);
}

const never = async (): Promise<[RunResult, Receipt]> => {
  throw new Error("must not execute");
};

describe("requestFingerprint", () => {
  it("is the SHA-256 hex of the canonical JSON of workflow, actor and payload", () => {
    const canonical = '{"actorEmail":"billing-agent@co.com","payload":{"amount":120,"to":"jane@acme.com"},"workflow":"send_invoice"}';
    expect(fingerprint).toBe(createHash("sha256").update(canonical, "utf8").digest("hex"));
  });

  it("hashes non-ASCII text as UTF-8", () => {
    const canonical = '{"actorEmail":"zoë@co.com","payload":{"note":"€"},"workflow":"w"}';
    expect(requestFingerprint("w", "zoë@co.com", { note: "€" })).toBe(createHash("sha256").update(Buffer.from(canonical, "utf8")).digest("hex"));
  });
});

describe("the run that wins the claim", () => {
  it("claims the key with the whole request, owned by this host and process, before executing", async () => {
    const store = new ScriptedStore();
    let claimedBeforeExecute = false;
    const [result] = await keyed(store).run(request, "run-1", async (runId) => {
      claimedBeforeExecute = store.claims.length === 1;
      return outcomeOf(runId);
    });
    expect(claimedBeforeExecute).toBe(true);
    const [claim] = store.claims;
    expect(claim).toEqual({
      key: "inv-1",
      fingerprint,
      workflow: "send_invoice",
      actorEmail: "billing-agent@co.com",
      payload,
      runId: "run-1",
      state: "claimed",
      owner: THIS_PROCESS,
      claimedAt: claim?.claimedAt,
      updatedAt: claim?.claimedAt,
    });
    expect(new Date(claim?.claimedAt ?? "").toISOString()).toBe(claim?.claimedAt);
    expect(result.replayed).toBeUndefined();
  });

  it("does not execute when the store cannot take the claim, and lets the next call try again", async () => {
    const store = new ScriptedStore();
    const runs = keyed(store);
    const claim = store.claim.bind(store);
    store.claim = async () => {
      throw new Error("claim failed");
    };
    const execute = vi.fn(async (runId: string) => outcomeOf(runId));
    await expect(runs.run(request, "run-1", execute)).rejects.toThrow("claim failed");
    expect(execute).not.toHaveBeenCalled();
    store.claim = claim;
    await runs.run(request, "run-2", execute);
    expect(execute).toHaveBeenCalledWith("run-2");
  });

  it("forgets a finished run in this process: the next call for the key goes to the store", async () => {
    const store = new ScriptedStore();
    const runs = keyed(store);
    await expect(
      runs.run(request, "run-1", async () => {
        await store.releaseClaim();
        throw new Error("workflow failed");
      }),
    ).rejects.toThrow("workflow failed");
    const [, receipt] = await runs.run(request, "run-2", async (runId) => outcomeOf(runId));
    expect(receipt.runId).toBe("run-2");
    expect(store.claims.map((claim) => claim.runId)).toEqual(["run-1", "run-2"]);
  });
});

describe("a duplicate in the same process", () => {
  it("awaits the run in flight and gets its outcome marked as a replay, without touching the store", async () => {
    const store = new ScriptedStore();
    const runs = keyed(store);
    const held = heldRun();
    const execute = vi.fn(held.execute);
    const first = runs.run(request, "run-1", execute);
    const second = runs.run(request, "run-2", execute);
    held.release();
    const [[firstResult, firstReceipt], [secondResult, secondReceipt]] = await Promise.all([first, second]);
    expect(execute).toHaveBeenCalledTimes(1);
    expect(firstResult.replayed).toBeUndefined();
    expect(secondResult).toEqual({ ...firstResult, replayed: true });
    expect(secondReceipt).toBe(firstReceipt);
    expect(store.claims).toHaveLength(1);
  });

  it("with another request is a conflict naming the key and the run in flight", async () => {
    const store = new ScriptedStore();
    const runs = keyed(store);
    const { execute, release } = heldRun();
    const first = runs.run(request, "run-1", execute);
    const error = await runs.run({ ...request, fingerprint: "other" }, "run-2", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyConflictError);
    expect(error).toMatchObject({ key: "inv-1", runId: "run-1" });
    release();
    await first;
  });

  it("with another request, while the run in flight waits for a holder elsewhere, is a conflict naming that holder", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    const runs = keyed(store, 1000);
    const waiting = runs.run(request, "run-1", never).catch((e: unknown) => e);
    const error = await runs.run({ ...request, fingerprint: "other" }, "run-2", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyConflictError);
    expect(error).toMatchObject({ key: "inv-1", runId: "run-0" });
    expect(await waiting).toBeInstanceOf(IdempotencyInProgressError);
  });

  it("with another request is a conflict naming the run in flight when the store cannot say who holds the key", async () => {
    const store = new ScriptedStore();
    const runs = keyed(store);
    const { execute, release } = heldRun();
    const first = runs.run(request, "run-1", execute);
    store.getClaim = async () => {
      throw new Error("getClaim failed");
    };
    const error = await runs.run({ ...request, fingerprint: "other" }, "run-2", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyConflictError);
    expect(error).toMatchObject({ key: "inv-1", runId: "run-1" });
    release();
    await first;
  });
});

describe("a key already held in the store", () => {
  it("by another request is a conflict naming the holder, without reading its receipt", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { fingerprint: "other" });
    const error = await keyed(store).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyConflictError);
    expect(error).toMatchObject({ key: "inv-1", runId: "run-0" });
    expect((error as Error).message).toContain("different request");
    expect(store.loads).toEqual([]);
  });

  it("whose receipt exists is treated as completed: replayed, and the claim marked completed", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { state: "executing" });
    store.receipts.set("run-0", receiptOf("run-0"));
    const [result, receipt] = await keyed(store).run(request, "run-1", never);
    expect(receipt.runId).toBe("run-0");
    expect(result).toMatchObject({ runId: "run-0", success: true, replayed: true });
    expect(store.updates).toEqual([["inv-1", "run-0", "completed"]]);
  });

  it("already completed is replayed without updating its claim", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { state: "completed" });
    store.receipts.set("run-0", receiptOf("run-0"));
    const [result] = await keyed(store).run(request, "run-1", never);
    expect(result.replayed).toBe(true);
    expect(store.updates).toEqual([]);
  });

  it("whose receipt exists is replayed even when marking the claim completed fails", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.receipts.set("run-0", receiptOf("run-0"));
    store.failUpdate = true;
    const [result] = await keyed(store).run(request, "run-1", never);
    expect(result.replayed).toBe(true);
  });

  it("by a run on another host that has not finished is in progress, at once when waitMs is 0", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { state: "claimed", claimedAt: "2026-01-01T00:00:00.000Z" });
    const error = await keyed(store, 0).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyInProgressError);
    expect(error).toMatchObject({ key: "inv-1", runId: "run-0", state: "claimed", since: "2026-01-01T00:00:00.000Z", ownerGone: false });
    expect((error as Error).message).toContain("has not finished");
    expect(timers.pauses).toEqual([]);
    expect(store.getClaimCalls).toBe(0);
  });

  it("propagates a failure to load the holder's receipt", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.load = async () => {
      throw new Error("load failed");
    };
    await expect(keyed(store, 1000).run(request, "run-1", never)).rejects.toThrow("load failed");
  });

  it("propagates a failure to re-read the claim while waiting", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.getClaim = async () => {
      throw new Error("getClaim failed");
    };
    await expect(keyed(store, 1000).run(request, "run-1", never)).rejects.toThrow("getClaim failed");
  });
});

describe("waiting for the holder's receipt", () => {
  it("polls after 5 ms, doubling up to 250 ms, and stops exactly at waitMs", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    const error = await keyed(store, 1000).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyInProgressError);
    expect(timers.pauses).toEqual([5, 10, 20, 40, 80, 160, 250, 250, 185]);
    expect(store.getClaimCalls).toBe(9);
    expect(store.loads).toHaveLength(10);
  });

  it("replays the receipt as soon as it appears, and polls no more", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.onGetClaim = (call) => {
      if (call === 3) store.receipts.set("run-0", receiptOf("run-0"));
      return store.held;
    };
    const [result, receipt] = await keyed(store, 30_000).run(request, "run-1", never);
    expect(receipt.runId).toBe("run-0");
    expect(result.replayed).toBe(true);
    expect(timers.pauses).toEqual([5, 10, 20]);
  });

  it("follows the claim to the run that holds it now", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.receipts.set("run-9", receiptOf("run-9"));
    store.onGetClaim = () => claimOf("run-9");
    const [, receipt] = await keyed(store, 30_000).run(request, "run-1", never);
    expect(receipt.runId).toBe("run-9");
    expect(store.loads).toEqual(["run-0", "run-9"]);
  });

  it("claims the key and executes itself when the holder released it meanwhile", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.onGetClaim = () => {
      store.held = undefined;
      return undefined;
    };
    const execute = vi.fn(async (runId: string) => outcomeOf(runId));
    const [result, receipt] = await keyed(store, 30_000).run(request, "run-1", execute);
    expect(execute).toHaveBeenCalledWith("run-1");
    expect(receipt.runId).toBe("run-1");
    expect(result.replayed).toBeUndefined();
  });

  it("is a conflict when the key was taken meanwhile by another request", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.onGetClaim = () => claimOf("run-7", { fingerprint: "other" });
    const error = await keyed(store, 30_000).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyConflictError);
    expect(error).toMatchObject({ key: "inv-1", runId: "run-7" });
  });

  it("reports the state of the claim as last read", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { state: "claimed" });
    store.onGetClaim = () => claimOf("run-0", { state: "executing" });
    const error = await keyed(store, 10).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toMatchObject({ state: "executing" });
  });
});

describe("whether the holder is still alive", () => {
  it("a holder on this host whose process is gone fails at once, saying it crashed", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { owner: `${hostname()}:${dead}` });
    const error = await keyed(store, 30_000).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyInProgressError);
    expect(error).toMatchObject({ ownerGone: true });
    expect((error as Error).message).toContain("crashed: its process is gone");
    expect(timers.pauses).toEqual([]);
  });

  it("a holder on this host whose process is alive is waited for", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { owner: `${hostname()}:${process.ppid}` });
    const error = await keyed(store, 100).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toMatchObject({ ownerGone: false });
    expect(timers.pauses.length).toBeGreaterThan(0);
  });

  it("a holder on another host with this process's pid is waited for", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { owner: `not-${hostname()}:${process.pid}` });
    const error = await keyed(store, 100).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toMatchObject({ ownerGone: false });
    expect(timers.pauses.length).toBeGreaterThan(0);
  });

  it("a holder on this host with no readable pid is waited for", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { owner: `${hostname()}:worker-3` });
    const error = await keyed(store, 100).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toMatchObject({ ownerGone: false });
  });

  it("a holder on this host is presumed dead only when signalling its pid says there is no such process", async () => {
    // Too large to be a pid: process.kill refuses it (ERR_INVALID_ARG_TYPE), which proves nothing.
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { owner: `${hostname()}:4294967296` });
    const error = await keyed(store, 100).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toMatchObject({ ownerGone: false });
    expect(timers.pauses.length).toBeGreaterThan(0);
  });

  it("a claim of this process whose run is not executing here is gone", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0", { owner: THIS_PROCESS });
    const error = await keyed(store, 30_000).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toMatchObject({ ownerGone: true });
    expect(timers.pauses).toEqual([]);
  });

  it("a claim of this process whose run another client is executing is waited for", async () => {
    const store = new ScriptedStore();
    const { execute, release, started } = heldRun();
    const first = keyed(store).run(request, "run-1", execute);
    await started;
    const error = await keyed(store, 100).run(request, "run-2", never).catch((e: unknown) => e);
    expect(error).toMatchObject({ runId: "run-1", ownerGone: false });
    release();
    await first;
    // Once that run finished, its claim is no longer presumed alive.
    const after = await keyed(store, 100).run(request, "run-3", never).catch((e: unknown) => e);
    expect(after).toMatchObject({ runId: "run-1", ownerGone: true });
  });
});

describe("a stored receipt that does not check out", () => {
  it("is refused when it does not verify", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.receipts.set("run-0", receiptOf("run-0"));
    const error = await keyed(store, 0, () => false).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TamperedStoredReceiptError);
    expect(error).toMatchObject({ runId: "run-0", key: "inv-1" });
    expect((error as Error).message).toContain("does not verify (it was changed, or signed with another secret)");
    expect(store.updates).toEqual([]);
  });

  it("is refused when it is another run's receipt", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.receipts.set("run-0", receiptOf("run-5"));
    const error = await keyed(store).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TamperedStoredReceiptError);
    expect((error as Error).message).toContain("belongs to another run (run-5, key inv-1)");
  });

  it("is refused when it is this run's id under another key", async () => {
    const store = new ScriptedStore();
    store.held = claimOf("run-0");
    store.receipts.set("run-0", receiptOf("run-0", "inv-other"));
    const error = await keyed(store).run(request, "run-1", never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TamperedStoredReceiptError);
    expect((error as Error).message).toContain("belongs to another run (run-0, key inv-other)");
  });

  it("is not looked at when there is no receipt: loadVerified resolves undefined", async () => {
    const store = new ScriptedStore();
    const verify = vi.fn(() => false);
    await expect(keyed(store, 0, verify).loadVerified("inv-1", "run-0")).resolves.toBeUndefined();
    expect(verify).not.toHaveBeenCalled();
  });
});

describe("idempotencyWaitMs", () => {
  const client = (idempotencyWaitMs: unknown) =>
    new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), idempotencyWaitMs: idempotencyWaitMs as number });

  it("is refused when it is not a number of ms, 0 or more: NaN or a string would never time out", () => {
    for (const wrong of [Number.NaN, -1, "500"]) expect(() => client(wrong)).toThrow(ConfigurationError);
    expect(() => client(Number.NaN)).toThrow("idempotencyWaitMs must be a number of ms, 0 or more, got NaN.");
  });

  it("accepts 0, any wait in ms, and no setting at all", () => {
    for (const right of [0, 1500, undefined]) expect(() => client(right)).not.toThrow();
  });

  it("bounds the wait for a holder in another process", async () => {
    const store = new MemoryReceiptStore();
    await store.claim(claimOf("run-0"));
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], idempotencyWaitMs: 1000 });
    const error = await enact.run({ workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload, idempotencyKey: "inv-1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyInProgressError);
    expect(timers.pauses.reduce((sum, ms) => sum + ms, 0)).toBe(1000);
    expect(counter.executions).toBe(0);
  });
});
