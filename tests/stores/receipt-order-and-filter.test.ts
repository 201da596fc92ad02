import { describe, expect, it } from "vitest";
import { buildReceipt, byTime, matchesFilter, type Receipt } from "enact-sdk";

const DIGEST_A = "a".repeat(64);
const DIGEST_B = "b".repeat(64);

function receipt(runId: string, timestamp: string, policySetDigest?: string): Receipt {
  const built = buildReceipt({ runId, workflow: "w1", actorEmail: "a@co.com", payload: {}, policyResults: [], decision: "PASS" });
  return { ...built, timestamp, ...(policySetDigest === undefined ? {} : { policySet: { digest: policySetDigest } }) };
}

describe("matchesFilter's policySetDigest", () => {
  const decidedByA = receipt("00000000-0000-4000-8000-00000000000a", "2026-01-01T00:00:00.000Z", DIGEST_A);
  const decidedByB = receipt("00000000-0000-4000-8000-00000000000b", "2026-01-01T00:00:00.000Z", DIGEST_B);
  const withoutPolicySet = receipt("00000000-0000-4000-8000-00000000000c", "2026-01-01T00:00:00.000Z");

  it("keeps only receipts decided by that policy set", () => {
    expect([decidedByA, decidedByB, withoutPolicySet].filter((r) => matchesFilter(r, { policySetDigest: DIGEST_A }))).toEqual([decidedByA]);
  });

  it("keeps every receipt, with a policy set or without, when no digest is asked for", () => {
    const all = [decidedByA, decidedByB, withoutPolicySet];
    expect(all.filter((r) => matchesFilter(r, {}))).toEqual(all);
    expect(all.filter((r) => matchesFilter(r))).toEqual(all);
  });
});

describe("byTime", () => {
  const first = receipt("00000000-0000-4000-8000-000000000001", "2026-01-01T00:00:00.000Z");
  const second = receipt("00000000-0000-4000-8000-000000000002", "2026-01-01T00:00:00.000Z");
  const later = receipt("00000000-0000-4000-8000-000000000000", "2026-01-01T00:00:00.001Z");

  it("puts the older receipt first, whatever their run ids", () => {
    expect(Math.sign(byTime(first, later))).toBe(-1);
    expect(Math.sign(byTime(later, first))).toBe(1);
  });

  it("breaks a tie of timestamps by run id, both ways round", () => {
    expect(Math.sign(byTime(first, second))).toBe(-1);
    expect(Math.sign(byTime(second, first))).toBe(1);
  });

  it("finds a receipt equal to itself", () => {
    expect(byTime(first, first)).toBe(0);
  });

  it("sorts receipts of one millisecond by run id in whichever order they come", () => {
    const third = receipt("00000000-0000-4000-8000-000000000003", "2026-01-01T00:00:00.000Z");
    expect([first, second, third].sort(byTime)).toEqual([first, second, third]);
    expect([third, second, first].sort(byTime)).toEqual([first, second, third]);
    expect([later, third, first, second].sort(byTime)).toEqual([first, second, third, later]);
  });
});
