import { ConfigurationError, type PolicyResult, type WorkflowContext } from "enact-sdk";
import { maxFilesPerCommit, noPushDuringDeployFreeze } from "enact-sdk/policies";
import { describe, expect, it } from "vitest";

// A refused value is shown as itself in the reason: NaN, Infinity and an invalid Date are not "null".

function ctx(payload: Record<string, unknown>): WorkflowContext {
  return { workflow: "agent_pr_workflow", actorEmail: "agent@example.com", payload, systems: {} };
}

describe("maxFilesPerCommit shows the refused fileCount", () => {
  it.each([
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
    [1.5, "1.5"],
    [null, "null"],
    ["3", '"3"'],
  ])("fileCount %s is shown as %s", (fileCount, shown) => {
    expect(maxFilesPerCommit(50)(ctx({ fileCount })) as PolicyResult).toEqual({
      policy: "max_files_per_commit",
      passed: false,
      reason: `payload.fileCount must be a non-negative integer, got ${shown}`,
    });
  });
});

describe("noPushDuringDeployFreeze shows the refused start", () => {
  it("shows an invalid Date as Invalid Date", () => {
    expect(() => noPushDuringDeployFreeze(new Date("nope"), "2025-01-02T00:00:00Z")).toThrow(
      new ConfigurationError(
        "noPushDuringDeployFreeze: start must be a valid Date or an ISO-8601 date-time with a timezone (e.g. 2025-12-24T18:00:00Z), got Invalid Date",
      ),
    );
  });
});
