import { describe, expect, it } from "vitest";
import { ConfigurationError, evaluateAll } from "enact-sdk";
import { neverAllow, requireApproval, thermalCutout } from "enact-sdk/policies";
import { admit } from "../../src/approvals/cutout-window.js";
import { makeContext } from "../support/context.js";

describe("requireApproval", () => {
  const big = requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500, { reason: "Refunds over 500 need a person" });

  it("fails as needing approval when the condition holds", () => {
    expect(big(makeContext({ payload: { amount: 900 } }))).toEqual({ policy: "large_refund", passed: false, reason: "Refunds over 500 need a person", requiresApproval: true });
  });

  it("passes without requiresApproval otherwise", () => {
    expect(big(makeContext({ payload: { amount: 5 } }))).toEqual({ policy: "large_refund", passed: true, reason: "Condition not met" });
  });

  it("takes an async condition", async () => {
    const asyncBig = requireApproval("large_refund", async (ctx) => Number(ctx.payload.amount) > 500);
    expect(await asyncBig(makeContext({ payload: { amount: 900 } }))).toMatchObject({ passed: false, requiresApproval: true });
  });

  it("counts a condition answering anything but true as not met", () => {
    const odd = requireApproval("odd", () => "yes" as unknown as boolean);
    expect(odd(makeContext())).toMatchObject({ passed: true });
  });
});

describe("neverAllow", () => {
  it("refuses without requiresApproval: no approval can lift it", () => {
    const never = neverAllow("no_evil", () => true, "Never");
    expect(never(makeContext())).toEqual({ policy: "no_evil", passed: false, reason: "Never" });
  });
});

describe("evaluateAll and requiresApproval", () => {
  it("keeps requiresApproval on a failure and drops it from a pass", async () => {
    const results = await evaluateAll(makeContext(), [
      () => ({ policy: "a", passed: false, reason: "r", requiresApproval: true }),
      () => ({ policy: "b", passed: true, reason: "r", requiresApproval: true }),
      () => ({ policy: "c", passed: false, reason: "r", requiresApproval: "yes" as unknown as true }),
    ]);
    expect(results).toEqual([
      { policy: "a", passed: false, reason: "r", requiresApproval: true },
      { policy: "b", passed: true, reason: "r" },
      { policy: "c", passed: false, reason: "r" },
    ]);
  });
});

describe("thermalCutout", () => {
  it("refuses limits that are not positive integers", () => {
    expect(() => thermalCutout({ max: 0, windowMs: 1000, cooldownMs: 0 })).toThrow(ConfigurationError);
    expect(() => thermalCutout({ max: 1, windowMs: Number.NaN, cooldownMs: 0 })).toThrow(ConfigurationError);
    expect(() => thermalCutout({ max: 1, windowMs: 1000, cooldownMs: -1 })).toThrow(ConfigurationError);
  });

  it("fails closed when called outside a client, which alone can count it", () => {
    expect(thermalCutout({ max: 1, windowMs: 1000, cooldownMs: 0 })(makeContext())).toMatchObject({ policy: "thermal_cutout", passed: false });
  });
});

describe("the cutout window", () => {
  const limits = { max: 2, windowMs: 1000, cooldownMs: 100 };

  it("admits max runs within a window and keeps no more than max times", () => {
    const [first] = admit(undefined, 0, limits);
    const [second, verdict] = admit(first, 10, limits);
    expect(verdict).toEqual({ admitted: true });
    expect(second.times).toEqual([0, 10]);
  });

  it("stays blocked until the window holds fewer than max runs, even past a short cooldown", () => {
    const [state] = admit(admit(undefined, 0, limits)[0], 10, limits);
    const [tripped, verdict] = admit(state, 20, limits);
    // 20 + 100 (cooldown) < 0 + 1000 (the oldest run leaves the window): the window decides.
    expect(verdict).toEqual({ admitted: false, reopensAt: 1000, tripped: true });
    expect(admit(tripped, 999, limits)[1]).toEqual({ admitted: false, reopensAt: 1000, tripped: false });
    expect(admit(tripped, 1000, limits)[1]).toEqual({ admitted: true });
  });
});
