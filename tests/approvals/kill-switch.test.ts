import { describe, expect, it } from "vitest";
import { MemoryReceiptStore, StoreUnavailableError } from "enact-sdk";
import { HALT_CACHE_MS, KillSwitch } from "../../src/approvals/kill-switch.js";
import { ControlSigner } from "../../src/approvals/records.js";
import { TEST_SECRET } from "../support/context.js";

const START = Date.parse("2026-12-06T12:00:00.000Z");

/** A switch on a memory store that counts its reads, and a second client on the same store. */
function killSwitch() {
  const store = new MemoryReceiptStore();
  const getHalt = store.getHalt.bind(store);
  const reads = { count: 0 };
  store.getHalt = () => {
    reads.count += 1;
    return getHalt();
  };
  const clock = { now: START };
  const signer = new ControlSigner(TEST_SECRET);
  const local = new KillSwitch(store, signer, () => clock.now);
  const other = new KillSwitch(store, signer, () => clock.now);
  return { store, reads, clock, signer, local, other };
}

describe("KillSwitch: input", () => {
  it("refuses halt without a non-empty by or reason, and unhalt without a by", async () => {
    const { local } = killSwitch();
    await expect(local.halt({ by: " ", reason: "x" })).rejects.toThrow(new TypeError("halt({ by, reason }): by must be a non-empty string"));
    await expect(local.halt(undefined as never)).rejects.toThrow(new TypeError("halt({ by, reason }): by must be a non-empty string"));
    await expect(local.halt({ by: "oncall@co.com", reason: " " })).rejects.toThrow(new TypeError("halt({ by, reason }): reason must be a non-empty string"));
    await expect(local.halt({ by: "oncall@co.com" } as never)).rejects.toThrow(new TypeError("halt({ by, reason }): reason must be a non-empty string"));
    await expect(local.unhalt({ by: "" })).rejects.toThrow(new TypeError("unhalt({ by }): by must be a non-empty string"));
    await expect(local.unhalt({ by: "  " })).rejects.toThrow(new TypeError("unhalt({ by }): by must be a non-empty string"));
    await expect(local.unhalt(undefined as never)).rejects.toThrow(new TypeError("unhalt({ by }): by must be a non-empty string"));
    expect(await local.status()).toEqual({ halted: false });
  });

  it("returns the signed record of a halt and of an unhalt (which carries no reason)", async () => {
    const { local } = killSwitch();
    expect(await local.halt({ by: "oncall@co.com", reason: "loop" })).toEqual({ kind: "halt", halted: true, by: "oncall@co.com", reason: "loop", at: new Date(START).toISOString(), signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const unhalted = await local.unhalt({ by: "oncall@co.com" });
    expect(unhalted).toMatchObject({ kind: "halt", halted: false, by: "oncall@co.com" });
    expect(unhalted).not.toHaveProperty("reason");
  });
});

describe("KillSwitch.status", () => {
  it("reports not halted, with who lifted it and since when, after an unhalt", async () => {
    const { local } = killSwitch();
    await local.halt({ by: "oncall@co.com", reason: "loop" });
    await local.unhalt({ by: "lead@co.com" });
    expect(await local.status()).toStrictEqual({ halted: false, by: "lead@co.com", since: new Date(START).toISOString() });
  });

  it("reports halted, with why, when the record does not verify", async () => {
    const { local, store } = killSwitch();
    await store.setHalt("not json");
    expect(await local.status()).toEqual({ halted: true, reason: "the kill switch record does not verify" });
  });
});

describe("KillSwitch.current", () => {
  it("answers null, without reading anything, on a store that cannot keep a halt record", () => {
    const bare = { ...new MemoryReceiptStore() } as MemoryReceiptStore;
    const ks = new KillSwitch(bare, new ControlSigner(TEST_SECRET), () => START);
    expect(ks.available).toBe(false);
    expect(ks.current()).toBeNull();
  });

  it("counts a store lacking setHalt or getHalt as unable to keep a halt record", () => {
    for (const missing of ["setHalt", "getHalt"] as const) {
      const store = new MemoryReceiptStore();
      (store as Partial<MemoryReceiptStore>)[missing] = undefined;
      const ks = new KillSwitch(store, new ControlSigner(TEST_SECRET), () => START);
      expect(ks.available).toBe(false);
      expect(ks.current()).toBeNull();
    }
  });

  it("shares one read among runs that ask while it is under way", async () => {
    const { local, reads } = killSwitch();
    const answers = await Promise.all([local.current(), local.current(), local.current()]);
    expect(answers).toEqual([null, null, null]);
    expect(reads.count).toBe(1);
  });

  it("names the cause of a record that does not verify in the failing result", async () => {
    const { local, store } = killSwitch();
    await store.setHalt(new ControlSigner("another-secret-0123456789abcdef-0123456789").sign({ kind: "halt", halted: false, by: "m@evil.com", at: "x" }).json);
    expect(await local.current()).toEqual({ policy: "kill_switch", passed: false, reason: "Halted: the kill switch record does not verify" });
  });

  it("says 'no reason given' for a signed halt record without a reason", async () => {
    const { local, store, signer } = killSwitch();
    await store.setHalt(signer.sign({ kind: "halt", halted: true, by: "oncall@co.com", at: "2026-12-06T12:00:00.000Z" }).json);
    expect(await local.current()).toEqual({ policy: "kill_switch", passed: false, reason: "Halted by oncall@co.com since 2026-12-06T12:00:00.000Z: no reason given" });
  });

  it("relies on what it read for less than HALT_CACHE_MS, answering without a promise, then reads again", async () => {
    const { local, other, reads, clock } = killSwitch();
    expect(await local.current()).toBeNull();
    expect(reads.count).toBe(1);
    await other.halt({ by: "oncall@co.com", reason: "incident" });
    clock.now = START + 499;
    expect(local.current()).toBeNull();
    expect(reads.count).toBe(1);
    clock.now = START + HALT_CACHE_MS;
    const fresh = local.current();
    expect(fresh).toBeInstanceOf(Promise);
    expect(await fresh).toMatchObject({ policy: "kill_switch", passed: false });
    expect(reads.count).toBe(2);
  });

  it("refreshes in the background from half the cache time, still answering from the cache", async () => {
    const { local, other, reads, clock } = killSwitch();
    expect(await local.current()).toBeNull();
    await other.halt({ by: "oncall@co.com", reason: "incident" });
    clock.now = START + 500;
    expect(local.current()).toBeNull();
    expect(reads.count).toBe(2);
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(local.current()).toMatchObject({ policy: "kill_switch", passed: false });
    expect(reads.count).toBe(2);
  });

  it("dates the cache from when the read started", async () => {
    const { local, other, clock, store } = killSwitch();
    const getHalt = store.getHalt;
    store.getHalt = async () => {
      clock.now += 600;
      return getHalt();
    };
    expect(await local.current()).toBeNull();
    store.getHalt = getHalt;
    await other.halt({ by: "oncall@co.com", reason: "incident" });
    // Read at START (finished at START + 600): stale at START + 1000, not at START + 1600.
    clock.now = START + HALT_CACHE_MS;
    expect(await local.current()).toMatchObject({ passed: false });
  });

  it("sees its own halt and unhalt at once, whatever it cached", async () => {
    const { local } = killSwitch();
    expect(await local.current()).toBeNull();
    await local.halt({ by: "oncall@co.com", reason: "loop" });
    expect(await local.current()).toMatchObject({ passed: false });
    await local.unhalt({ by: "oncall@co.com" });
    expect(await local.current()).toBeNull();
  });

  it("rejects with StoreUnavailableError naming the cause when the store cannot be read", async () => {
    const { local, store } = killSwitch();
    store.getHalt = () => Promise.reject(new Error("disk gone"));
    const error = await Promise.resolve(local.current()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain("its kill switch could not be read (Error: disk gone)");
    expect((error as Error).cause).toEqual(new Error("disk gone"));
  });

  it("tells the user which stores can keep a kill switch when this one cannot", async () => {
    const store = new MemoryReceiptStore();
    const bare = { ...store, setHalt: undefined, getHalt: undefined, write: store.write.bind(store) } as unknown as MemoryReceiptStore;
    const local = new KillSwitch(bare, new ControlSigner(TEST_SECRET), () => START);
    await expect(local.halt({ by: "oncall@co.com", reason: "loop" })).rejects.toThrow(
      "This receipt store cannot keep a kill switch (it lacks setHalt and getHalt). Use FileReceiptStore, PostgresReceiptStore or MemoryReceiptStore.",
    );
  });

  it("passes a StoreUnavailableError from the store through as it is", async () => {
    const { local, store } = killSwitch();
    const original = new StoreUnavailableError("the disk is full");
    store.getHalt = () => Promise.reject(original);
    await expect(Promise.resolve(local.current())).rejects.toBe(original);
  });
});
