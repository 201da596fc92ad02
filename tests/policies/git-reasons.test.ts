import { ConfigurationError, type PolicyResult, type WorkflowContext } from "enact-sdk";
import { maxFilesPerCommit, noPushDuringDeployFreeze, noPushToMain, requireBranchPrefix } from "enact-sdk/policies";
import { describe, expect, it } from "vitest";

// The exact policy name, verdict and reason each git policy writes into a receipt.

function ctx(payload: Record<string, unknown>): WorkflowContext {
  return { workflow: "agent_pr_workflow", actorEmail: "agent@example.com", payload, systems: {} };
}

function run(policy: (ctx: WorkflowContext) => unknown, payload: Record<string, unknown>): PolicyResult {
  return policy(ctx(payload)) as PolicyResult;
}

describe("noPushToMain reasons", () => {
  it.each([
    [{ branch: "agent/fix-1" }, true, 'Branch "agent/fix-1" is not main/master'],
    [{ branch: "" }, false, 'Branch "" is empty after normalisation'],
    [{ branch: "refs/heads/" }, false, 'Branch "refs/heads/" is empty after normalisation'],
    [{}, false, "payload.branch is missing; cannot check the target branch"],
    [{ branch: null }, false, "payload.branch is null, not a string; cannot check the target branch"],
    [{ branch: ["main"] }, false, "payload.branch is an array, not a string; cannot check the target branch"],
    [{ branch: { name: "main" } }, false, "payload.branch is an object, not a string; cannot check the target branch"],
    [{ branch: 1 }, false, "payload.branch is a number, not a string; cannot check the target branch"],
  ])("for %j records passed=%s with reason %j", (payload, passed, reason) => {
    expect(run(noPushToMain, payload)).toEqual({ policy: "no_push_to_main", passed, reason });
  });
});

describe("noPushToMain refspec and prefix normalisation", () => {
  it.each([
    ["a one-letter refspec source", "a:main"],
    ["a space after the refspec colon", "HEAD: main"],
    ["a force-push marker without a source", "+main"],
  ])("blocks %s (%j) as main", (_label, branch) => {
    expect(run(noPushToMain, { branch })).toEqual({
      policy: "no_push_to_main",
      passed: false,
      reason: `Direct push to ${JSON.stringify(branch)} is blocked: it targets protected branch 'main'`,
    });
  });

  it.each([
    ["a plus sign inside the name", "ma+in"],
    ["refs/heads/ in the middle of the name", "marefs/heads/in"],
    ["a branch that is only 'heads' once trailing slashes go", "origin/heads//"],
  ])("allows %s (%j): it is not main", (_label, branch) => {
    expect(run(noPushToMain, { branch })).toEqual({
      policy: "no_push_to_main",
      passed: true,
      reason: `Branch ${JSON.stringify(branch)} is not main/master`,
    });
  });
});

describe("maxFilesPerCommit reasons", () => {
  it.each([
    [3, { fileCount: 2 }, true, "File count 2 within limit of 3"],
    [0, { fileCount: 0 }, true, "File count 0 within limit of 0"],
    [3, { files: ["a.txt", "b.txt"] }, true, "File count 2 within limit of 3"],
    [50, { files: { length: 1 } }, false, "payload.files must be an array"],
    [50, { fileCount: "3" }, false, 'payload.fileCount must be a non-negative integer, got "3"'],
    [50, { fileCount: -1 }, false, "payload.fileCount must be a non-negative integer, got -1"],
  ])("with a limit of %i, %j records passed=%s with reason %j", (max, payload, passed, reason) => {
    expect(run(maxFilesPerCommit(max), payload)).toEqual({ policy: "max_files_per_commit", passed, reason });
  });

  it("refuses a negative limit with a message naming it", () => {
    expect(() => maxFilesPerCommit(-1)).toThrow(
      new ConfigurationError("maxFilesPerCommit needs a non-negative integer, got -1"),
    );
  });
});

describe("requireBranchPrefix reasons", () => {
  it.each([
    [{ branch: "agent/fix-1" }, true, "Branch 'agent/fix-1' has required prefix 'agent/'"],
    [{ branch: "fix-1" }, false, "Branch \"fix-1\" must start with 'agent/' followed by a name"],
    [{ branch: "agent/x " }, false, "Branch \"agent/x \" must start with 'agent/' followed by a name"],
    [{}, false, "payload.branch is missing; cannot check the target branch"],
  ])("for %j records passed=%s with reason %j", (payload, passed, reason) => {
    expect(run(requireBranchPrefix(), payload)).toEqual({ policy: "require_branch_prefix", passed, reason });
  });

  it("refuses a whitespace-only prefix", () => {
    expect(() => requireBranchPrefix("  ")).toThrow(new ConfigurationError("requireBranchPrefix needs a non-empty prefix"));
  });

  it("refuses a prefix that is not a string with a ConfigurationError, not a TypeError", () => {
    expect(() => requireBranchPrefix(5 as unknown as string)).toThrow(
      new ConfigurationError("requireBranchPrefix needs a non-empty prefix"),
    );
  });
});

describe("noPushDuringDeployFreeze reasons", () => {
  const window = "2025-12-24T18:00:00.000Z to 2025-12-27T06:00:00.000Z";
  const freeze = (now: () => Date) =>
    noPushDuringDeployFreeze("2025-12-24T18:00:00Z", "2025-12-27T06:00:00Z", { now });

  it.each([
    ["2025-12-25T12:00:00Z", false, `Deploy freeze in effect (${window}); now is 2025-12-25T12:00:00.000Z`],
    ["2025-12-28T12:00:00Z", true, `Outside the deploy freeze (${window}); now is 2025-12-28T12:00:00.000Z`],
  ])("at %s records passed=%s with reason %j", (now, passed, reason) => {
    expect(run(freeze(() => new Date(now)), {})).toEqual({ policy: "no_push_during_deploy_freeze", passed, reason });
  });

  it("names itself in the result when the clock returns an invalid time", () => {
    expect(run(freeze(() => new Date(Number.NaN)), {})).toEqual({
      policy: "no_push_during_deploy_freeze",
      passed: false,
      reason: "The clock returned an invalid time; cannot tell whether a freeze is on",
    });
  });

  const zoneHint = "must be a valid Date or an ISO-8601 date-time with a timezone (e.g. 2025-12-24T18:00:00Z)";

  it("refuses an unparseable start, naming it as the start", () => {
    expect(() => noPushDuringDeployFreeze("tomorrow", "2025-01-02T00:00:00Z")).toThrow(
      new ConfigurationError(`noPushDuringDeployFreeze: start ${zoneHint}, got "tomorrow"`),
    );
  });

  it("refuses an unparseable end, naming it as the end", () => {
    expect(() => noPushDuringDeployFreeze("2025-01-01T00:00:00Z", "2025-01-02T00:00:00")).toThrow(
      new ConfigurationError(`noPushDuringDeployFreeze: end ${zoneHint}, got "2025-01-02T00:00:00"`),
    );
  });

  it("refuses a start that is an array holding a date string", () => {
    const start = ["2025-01-01T00:00:00Z"] as unknown as string;
    expect(() => noPushDuringDeployFreeze(start, "2025-01-02T00:00:00Z")).toThrow(
      new ConfigurationError(`noPushDuringDeployFreeze: start ${zoneHint}, got ["2025-01-01T00:00:00Z"]`),
    );
  });

  it("refuses a window whose start is not before its end, showing both instants", () => {
    expect(() => noPushDuringDeployFreeze("2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z")).toThrow(
      new ConfigurationError(
        "noPushDuringDeployFreeze: start (2025-01-02T00:00:00.000Z) must be before end (2025-01-01T00:00:00.000Z)",
      ),
    );
  });
});
