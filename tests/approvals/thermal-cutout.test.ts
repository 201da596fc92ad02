import { describe, expect, it } from "vitest";
import { ConfigurationError, MemoryReceiptStore, type ReceiptStore } from "enact-sdk";
import { thermalCutout } from "enact-sdk/policies";
import { admit, parseCutoutState } from "../../src/approvals/cutout-window.js";
import { admitToCutouts } from "../../src/approvals/cutouts.js";
import { cutoutOf, type CutoutSpec } from "../../src/approvals/thermal-cutout.js";
import { makeContext } from "../support/context.js";

const ctx = makeContext({ actorEmail: "agent@co.com" });
const spec = (overrides: Partial<CutoutSpec> = {}): CutoutSpec => ({ name: "thermal_cutout", max: 1, windowMs: 1000, cooldownMs: 0, key: (c) => c.actorEmail, ...overrides });

describe("the cutout window", () => {
  it("counts a run exactly windowMs old as out of the window", () => {
    const limits = { max: 1, windowMs: 1000, cooldownMs: 0 };
    const [state] = admit(undefined, 0, limits);
    expect(admit(state, 999, limits)[1]).toEqual({ admitted: false, reopensAt: 1000, tripped: true });
    expect(admit(state, 1000, limits)[1]).toEqual({ admitted: true });
  });

  it("blocks for the cooldown when it outlasts the window, and leaves a blocked state as it was", () => {
    const limits = { max: 1, windowMs: 100, cooldownMs: 5000 };
    const [state] = admit(undefined, 0, limits);
    const [tripped, verdict] = admit(state, 50, limits);
    expect(verdict).toEqual({ admitted: false, reopensAt: 5050, tripped: true });
    expect(tripped).toEqual({ times: [0], blockedUntil: 5050 });
    const [still, again] = admit(tripped, 5049, limits);
    expect(again).toEqual({ admitted: false, reopensAt: 5050, tripped: false });
    expect(still).toBe(tripped);
    expect(admit(tripped, 5050, limits)).toEqual([{ times: [5050], blockedUntil: 0 }, { admitted: true }]);
  });
});

describe("parseCutoutState", () => {
  it("reads back a state a store wrote", () => {
    expect(parseCutoutState(JSON.stringify({ times: [1, 2], blockedUntil: 3, extra: true }))).toEqual({ times: [1, 2], blockedUntil: 3 });
  });

  it("refuses anything else (the callers fail closed)", () => {
    for (const text of ["not json", "null", '{"times":[1],"blockedUntil":"3"}', '{"times":"1","blockedUntil":3}', '{"times":[1,"2"],"blockedUntil":3}', '{"times":[1]}']) {
      expect(parseCutoutState(text)).toBeUndefined();
    }
  });
});

describe("thermalCutout", () => {
  it("names the field and what it must be in a configuration error", () => {
    expect(() => thermalCutout({ max: 1.5, windowMs: 1000, cooldownMs: 0 })).toThrow(new ConfigurationError("thermalCutout: max must be a positive integer, got 1.5."));
    expect(() => thermalCutout({ max: 1, windowMs: 0, cooldownMs: 0 })).toThrow(new ConfigurationError("thermalCutout: windowMs must be a positive integer, got 0."));
    expect(() => thermalCutout({ max: 1, windowMs: 1, cooldownMs: -1 })).toThrow(new ConfigurationError("thermalCutout: cooldownMs must be a non-negative integer, got -1."));
  });

  it("takes the smallest limits: one run per millisecond, no cooldown", () => {
    expect(cutoutOf(thermalCutout({ max: 1, windowMs: 1, cooldownMs: 0 }))).toMatchObject({ max: 1, windowMs: 1, cooldownMs: 0 });
  });

  it("is named thermal_cutout and keyed by the actor unless told otherwise", () => {
    const plain = cutoutOf(thermalCutout({ max: 1, windowMs: 1, cooldownMs: 0 }));
    expect(plain?.name).toBe("thermal_cutout");
    expect(plain?.key(ctx)).toBe("agent@co.com");
    const named = thermalCutout({ max: 1, windowMs: 1, cooldownMs: 0, name: "per_workflow", key: (c) => c.workflow });
    expect(cutoutOf(named)).toMatchObject({ name: "per_workflow" });
    expect(cutoutOf(named)?.key(ctx)).toBe("test_workflow");
    expect(named(ctx)).toEqual({ policy: "per_workflow", passed: false, reason: "A thermal cutout is counted by EnactClient in its receipt store; it cannot be checked on its own." });
  });

  it("keeps its limits fixed: the spec a client reads cannot be loosened afterwards", () => {
    const spec = cutoutOf(thermalCutout({ max: 1, windowMs: 1, cooldownMs: 0 }));
    expect(Object.isFrozen(spec)).toBe(true);
  });

  it("is not found on any other policy", () => {
    expect(cutoutOf(() => ({ policy: "p", passed: true, reason: "r" }))).toBeUndefined();
  });
});

describe("admitToCutouts", () => {
  it("admits with the limits and key in its reason, then refuses as tripped and as open, with when it reopens", async () => {
    const store = new MemoryReceiptStore();
    const cutout = spec({ cooldownMs: 5000 });
    expect(await admitToCutouts(store, [cutout], ctx, 0)).toEqual([{ policy: "thermal_cutout", passed: true, reason: "Within 1 runs per 1000 ms for agent@co.com" }]);
    expect(await admitToCutouts(store, [cutout], ctx, 10)).toEqual([
      { policy: "thermal_cutout", passed: false, reason: "Thermal cutout tripped: more than 1 runs per 1000 ms for agent@co.com; runs with this key reopen at 1970-01-01T00:00:05.010Z" },
    ]);
    expect(await admitToCutouts(store, [cutout], ctx, 20)).toEqual([
      { policy: "thermal_cutout", passed: false, reason: "Thermal cutout open: more than 1 runs per 1000 ms for agent@co.com; runs with this key reopen at 1970-01-01T00:00:05.010Z" },
    ]);
  });

  it("counts each cutout apart, even on the same key", async () => {
    const store = new MemoryReceiptStore();
    const results = await admitToCutouts(store, [spec({ name: "a" }), spec({ name: "b" })], ctx, 0);
    expect(results.map((result) => [result.policy, result.passed])).toEqual([["a", true], ["b", true]]);
  });

  it("counts nothing on a dry run, yet says whether the run would be admitted", async () => {
    const store = new MemoryReceiptStore();
    expect((await admitToCutouts(store, [spec()], ctx, 0, true))[0]?.passed).toBe(true);
    expect((await admitToCutouts(store, [spec()], ctx, 1, true))[0]?.passed).toBe(true);
    expect((await admitToCutouts(store, [spec()], ctx, 2))[0]?.passed).toBe(true);
    expect((await admitToCutouts(store, [spec()], ctx, 3, true))[0]?.passed).toBe(false);
  });

  it("fails closed, saying why, when the store cannot count, the key throws or the store fails", async () => {
    const bare = { ...new MemoryReceiptStore() } as ReceiptStore;
    expect(await admitToCutouts(bare, [spec()], ctx, 0)).toEqual([{ policy: "thermal_cutout", passed: false, reason: "This receipt store cannot count runs for a thermal cutout (it lacks updateCutout)" }]);
    const throwing = spec({ key: () => { throw new Error("no tenant"); } });
    expect(await admitToCutouts(new MemoryReceiptStore(), [throwing], ctx, 0)).toEqual([{ policy: "thermal_cutout", passed: false, reason: "The thermal cutout's key threw: Error: no tenant" }]);
    const failing = new MemoryReceiptStore();
    failing.updateCutout = () => Promise.reject(new Error("disk gone"));
    expect(await admitToCutouts(failing, [spec()], ctx, 0)).toEqual([{ policy: "thermal_cutout", passed: false, reason: "The thermal cutout could not be counted: Error: disk gone" }]);
  });
});
