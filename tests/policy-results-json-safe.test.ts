import { describe, expect, it } from "vitest";
import { toJsonSafe, toJsonSafePolicyResults } from "../src/json-safe.js";
import type { PolicyResult } from "../src/models.js";

// The shortcut must give exactly what the generic conversion gives, key order included.
function expectSameAsGeneric(results: unknown[]): void {
  const shortcut = toJsonSafePolicyResults(results as PolicyResult[]);
  const generic = toJsonSafe(results);
  expect(shortcut).toEqual(generic);
  expect(JSON.stringify(shortcut)).toBe(JSON.stringify(generic));
}

describe("toJsonSafePolicyResults()", () => {
  it("copies results shaped as evaluatePolicies makes them", () => {
    const results = [
      { policy: "require_email", passed: true, reason: "Email present" },
      { policy: "protect_tables", passed: false, reason: "Protected table" },
    ];
    const safe = toJsonSafePolicyResults(results);
    expect(safe).toEqual(results);
    expect(safe[0]).not.toBe(results[0]);
  });

  it("replaces lone surrogates in the name and the reason with U+FFFD", () => {
    expect(toJsonSafePolicyResults([{ policy: "p\uD800", passed: true, reason: "r\uDC00" }])).toEqual([
      { policy: "p\uFFFD", passed: true, reason: "r\uFFFD" },
    ]);
  });

  it("converts results in another key order as toJsonSafe does", () => {
    expectSameAsGeneric([{ passed: true, policy: "a", reason: "b" }]);
  });

  it("converts results with extra or missing fields as toJsonSafe does", () => {
    expectSameAsGeneric([{ policy: "a", passed: true, reason: "b", when: new Date(0) }]);
    expectSameAsGeneric([{ policy: "a", passed: true }]);
  });

  it("converts results whose fields have other types as toJsonSafe does", () => {
    expectSameAsGeneric([{ policy: "a", passed: "yes", reason: 10n }]);
    expectSameAsGeneric([{ policy: "a", passed: true, reason: "b" }, null, "text"]);
  });

  it("converts class instances and toJSON objects as toJsonSafe does", () => {
    class Result {
      constructor(
        readonly policy: string,
        readonly passed: boolean,
        readonly reason: string,
      ) {}
    }
    expectSameAsGeneric([new Result("a", true, "b")]);
    expectSameAsGeneric([{ policy: "a", passed: true, reason: "b", toJSON: () => ({ replaced: true }) }]);
  });

  it("reads a getter once, so it cannot pass the check and then copy another type", () => {
    let reads = 0;
    const result = {
      policy: "a",
      passed: true,
      get reason(): unknown {
        reads += 1;
        return reads === 1 ? "first" : 42;
      },
    };
    expect(toJsonSafePolicyResults([result as unknown as PolicyResult])).toEqual([{ policy: "a", passed: true, reason: "first" }]);
    expect(reads).toBe(1);
  });
});
