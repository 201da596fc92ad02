import { describe, expect, it } from "vitest";
import { neverAllow, requireApproval } from "enact-sdk/policies";
import { makeContext } from "../support/context.js";

describe("requireApproval and neverAllow", () => {
  it("gives requireApproval a default reason", () => {
    expect(requireApproval("big", () => true)(makeContext())).toEqual({ policy: "big", passed: false, reason: "This request needs a person's approval", requiresApproval: true });
  });

  it("passes neverAllow when its condition does not hold, sync or async", async () => {
    expect(neverAllow("no_evil", () => false, "Never")(makeContext())).toEqual({ policy: "no_evil", passed: true, reason: "Condition not met" });
    expect(await neverAllow("no_evil", async () => false, "Never")(makeContext())).toEqual({ policy: "no_evil", passed: true, reason: "Condition not met" });
    expect(await neverAllow("no_evil", async () => true, "Never")(makeContext())).toEqual({ policy: "no_evil", passed: false, reason: "Never" });
  });

  it("answers a sync condition without a promise", () => {
    expect(requireApproval("big", () => false)(makeContext())).not.toBeInstanceOf(Promise);
  });

  it("hands each run its own result: changing one does not change the next", () => {
    const policy = requireApproval("big", () => true);
    const first = policy(makeContext()) as { reason: string };
    first.reason = "tampered";
    expect(policy(makeContext())).toMatchObject({ reason: "This request needs a person's approval" });
  });
});
