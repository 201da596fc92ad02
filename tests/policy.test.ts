import { describe, expect, it } from "vitest";
import { allPassed, definePolicy, evaluateAll, type Policy, type PolicyResult } from "enact-sdk";
import { evaluatePolicies, policyName, policyVersion } from "../src/policy.js";
import { alwaysFail, alwaysPass, makeContext } from "./support/context.js";

const checkEmail: Policy = (ctx) => ({
  policy: "check_email",
  passed: ctx.actorEmail.includes("@"),
  reason: ctx.actorEmail.includes("@") ? "Valid email" : "Invalid email format",
});

describe("evaluateAll()", () => {
  it("returns every result when all pass", async () => {
    const results = await evaluateAll(makeContext(), [alwaysPass, checkEmail]);
    expect(results).toHaveLength(2);
    expect(allPassed(results)).toBe(true);
  });

  it("reports a failing policy next to passing ones", async () => {
    const results = await evaluateAll(makeContext(), [alwaysPass, alwaysFail]);
    expect(results.map((r) => r.passed)).toEqual([true, false]);
  });

  it("never stops early after a failure", async () => {
    const results = await evaluateAll(makeContext(), [alwaysFail, alwaysPass, alwaysFail]);
    expect(results.map((r) => r.policy)).toEqual(["always_fail", "always_pass", "always_fail"]);
  });

  it("returns an empty list for no policies", async () => {
    expect(await evaluateAll(makeContext(), [])).toEqual([]);
  });

  it("passes the context to each policy", async () => {
    const seen: string[] = [];
    const capture: Policy = (ctx) => {
      seen.push(ctx.actorEmail);
      return { policy: "capture", passed: true, reason: "ok" };
    };
    await evaluateAll(makeContext({ actorEmail: "special@test.com" }), [capture]);
    expect(seen).toEqual(["special@test.com"]);
  });

  it("awaits async policies and keeps registration order whatever finishes first", async () => {
    let releaseSlow: () => void = () => undefined;
    const slow: Policy = () =>
      new Promise<PolicyResult>((resolve) => {
        releaseSlow = () => resolve({ policy: "slow", passed: true, reason: "ok" });
      });
    const fast: Policy = async () => ({ policy: "fast", passed: true, reason: "ok" });
    const pending = evaluateAll(makeContext(), [slow, fast]);
    releaseSlow();
    expect((await pending).map((r) => r.policy)).toEqual(["slow", "fast"]);
  });

  it("turns a throwing policy into a failure carrying the error", async () => {
    const explodes = definePolicy("explodes", () => {
      throw new Error("database unreachable");
    });
    const [result] = await evaluateAll(makeContext(), [explodes]);
    expect(result).toEqual({ policy: "explodes", passed: false, reason: "Policy threw: Error: database unreachable" });
  });

  it("turns a rejecting policy into a failure carrying the error", async () => {
    const rejects = definePolicy("rejects", async () => {
      throw new TypeError("bad input");
    });
    const [result] = await evaluateAll(makeContext(), [rejects]);
    expect(result).toMatchObject({ policy: "rejects", passed: false, reason: "Policy threw: TypeError: bad input" });
  });

  it("still runs the other policies when one throws", async () => {
    const explodes = definePolicy("explodes", () => {
      throw "plain string";
    });
    const results = await evaluateAll(makeContext(), [explodes, alwaysPass]);
    expect(results.map((r) => [r.policy, r.passed])).toEqual([
      ["explodes", false],
      ["always_pass", true],
    ]);
    expect(results[0]?.reason).toBe("Policy threw: plain string");
  });

  it("fails closed on a policy that returns something that is not a PolicyResult", async () => {
    const sloppy = definePolicy("sloppy", () => ({ passed: "yes" }) as unknown as PolicyResult);
    const [result] = await evaluateAll(makeContext(), [sloppy]);
    expect(result).toMatchObject({ policy: "sloppy", passed: false });
    expect(result?.reason).toContain("invalid result");
  });

  it("names an anonymous policy that throws", async () => {
    const [result] = await evaluateAll(makeContext(), [
      (() => () => {
        throw new Error("x");
      })(),
    ]);
    expect(result?.policy).toBe("anonymous_policy");
  });

  it("keeps only the three result fields of a policy's answer", async () => {
    const chatty: Policy = () => ({ policy: "chatty", passed: true, reason: "ok", secret: "s3cr3t" }) as PolicyResult;
    const [result] = await evaluateAll(makeContext(), [chatty]);
    expect(result).toEqual({ policy: "chatty", passed: true, reason: "ok" });
  });

  it("describes a thrown plain object by its JSON", async () => {
    const refusing: Policy = () => {
      throw { code: "E_DENIED", retry: false };
    };
    const [result] = await evaluateAll(makeContext(), [refusing]);
    expect(result?.reason).toBe('Policy threw: {"code":"E_DENIED","retry":false}');
  });

  it("still fails closed, with a fixed reason, on a thrown value that throws when looked at", async () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("no looking");
        },
      },
    );
    const trap: Policy = () => {
      throw hostile;
    };
    const [result] = await evaluateAll(makeContext(), [trap]);
    expect(result).toMatchObject({ passed: false, reason: "Policy threw: A value that cannot be described (reading it threw)" });
  });

  it("keeps requiresApproval only on a failed result: a passing policy cannot ask for approval", async () => {
    const eager: Policy = () => ({ policy: "eager", passed: true, reason: "ok", requiresApproval: true });
    const [result] = await evaluateAll(makeContext(), [eager]);
    expect(result).toEqual({ policy: "eager", passed: true, reason: "ok" });
  });

  it("gives the same results for the same input every time", async () => {
    const policies = [alwaysPass, alwaysFail, checkEmail];
    expect(await evaluateAll(makeContext(), policies)).toEqual(await evaluateAll(makeContext(), policies));
  });
});

describe("evaluatePolicies()", () => {
  it("answers without a promise when every policy answered synchronously", () => {
    const results = evaluatePolicies(makeContext(), [alwaysPass, checkEmail]);
    expect(Array.isArray(results)).toBe(true);
  });

  it("answers with a promise as soon as one policy is async", async () => {
    const later: Policy = async () => ({ policy: "later", passed: true, reason: "ok" });
    const results = evaluatePolicies(makeContext(), [alwaysPass, later]);
    expect(results).toBeInstanceOf(Promise);
    expect((await results).map((result) => result.policy)).toEqual(["always_pass", "later"]);
  });
});

describe("definePolicy()", () => {
  it("names a policy, and names it again when defined a second time", () => {
    const policy: Policy = () => ({ policy: "p", passed: true, reason: "ok" });
    definePolicy("first_name", policy);
    definePolicy("second_name", policy);
    expect(policyName(policy)).toBe("second_name");
  });

  it("refuses an empty version, naming the policy", () => {
    expect(() => definePolicy("empty_version", () => ({ policy: "p", passed: true, reason: "ok" }), { version: "" })).toThrow(
      new TypeError('definePolicy("empty_version"): version must be a non-empty string'),
    );
  });

  it("refuses a version that is not a string", () => {
    const version = 2 as unknown as string;
    expect(() => definePolicy("numeric_version", () => ({ policy: "p", passed: true, reason: "ok" }), { version })).toThrow(TypeError);
  });

  it("forgets a declared version when the policy is defined again without one", () => {
    const policy: Policy = () => ({ policy: "p", passed: true, reason: "ok" });
    definePolicy("versioned", policy, { version: "2" });
    expect(policyVersion(policy)).toBe("2");
    definePolicy("versioned", policy);
    expect(policyVersion(policy)).toBeUndefined();
  });
});

describe("allPassed()", () => {
  it("is true when every result passed", () => {
    expect(allPassed([alwaysPass(), alwaysPass()])).toBe(true);
  });

  it("is false when one result failed", () => {
    expect(allPassed([alwaysPass(), alwaysFail()])).toBe(false);
  });

  it("is true for an empty list", () => {
    expect(allPassed([])).toBe(true);
  });
});
