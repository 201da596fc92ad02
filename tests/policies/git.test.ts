import { ConfigurationError, type WorkflowContext } from "enact-sdk";
import { maxFilesPerCommit, noPushDuringDeployFreeze, noPushToMain, requireBranchPrefix } from "enact-sdk/policies";
import { describe, expect, it } from "vitest";

function ctx(payload: Record<string, unknown>): WorkflowContext {
  return { workflow: "agent_pr_workflow", actorEmail: "agent@example.com", payload, systems: {} };
}

describe("noPushToMain", () => {
  it.each([
    "main",
    "master",
    "MAIN",
    "Master",
    " main ",
    "\tmain\n",
    "refs/heads/main",
    "refs/heads/master",
    "REFS/HEADS/MAIN",
    "heads/main",
    "origin/main",
    "origin/master",
    "upstream/main",
    "refs/remotes/origin/main",
    "remotes/fork/main",
    "HEAD:main",
    "+HEAD:refs/heads/main",
    "agent/x:main",
    "main/",
    "ｍａｉｎ",
    "ma\u200Bin",
    "\u200Dmain",
    "origin/refs/heads/main",
  ])("blocks %j", (branch) => {
    const result = noPushToMain(ctx({ branch })) as { policy: string; passed: boolean; reason: string };
    expect(result.policy).toBe("no_push_to_main");
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/blocked/);
  });

  it.each([
    "agent/fix-main",
    "maintenance",
    "feature/mainline",
    "mainly",
    "agent/master-plan",
    "main-2",
    "agent/main-fix",
  ])("allows %j", (branch) => {
    expect(noPushToMain(ctx({ branch }))).toMatchObject({
      passed: true,
      reason: expect.stringContaining("not main/master"),
    });
  });

  it.each([
    ["missing", {}],
    ["null", { branch: null }],
    ["a number", { branch: 1 }],
    ["an array", { branch: ["main"] }],
    ["empty", { branch: "" }],
    ["only spaces", { branch: "   " }],
    ["only a prefix", { branch: "refs/heads/" }],
  ])("fails closed when the branch is %s", (_label, payload) => {
    expect(noPushToMain(ctx(payload))).toMatchObject({ policy: "no_push_to_main", passed: false });
  });

  it("is named for the receipt", () => {
    expect(noPushToMain.name).toBe("no_push_to_main");
  });
});

describe("maxFilesPerCommit", () => {
  const files = (count: number): Array<{ path: string; content: string }> =>
    Array.from({ length: count }, (_, index) => ({ path: `f${index}.txt`, content: "" }));

  it.each([
    [49, true],
    [50, true],
    [51, false],
  ])("with the default limit of 50, %i files passes: %s", (count, passed) => {
    expect(maxFilesPerCommit()(ctx({ files: files(count) }))).toMatchObject({ policy: "max_files_per_commit", passed });
  });

  it.each([
    [2, true],
    [3, true],
    [4, false],
  ])("with a limit of 3, fileCount %i passes: %s", (fileCount, passed) => {
    expect(maxFilesPerCommit(3)(ctx({ fileCount }))).toMatchObject({ passed });
  });

  it("counts files over fileCount when both are given", () => {
    expect(maxFilesPerCommit(3)(ctx({ files: files(4), fileCount: 1 }))).toMatchObject({
      passed: false,
      reason: "Commit touches 4 files (max 3)",
    });
  });

  it("passes a payload that declares no files", () => {
    expect(maxFilesPerCommit(0)(ctx({}))).toMatchObject({ passed: true });
  });

  it.each([
    ["a string fileCount", { fileCount: "3" }],
    ["a negative fileCount", { fileCount: -1 }],
    ["a fractional fileCount", { fileCount: 1.5 }],
    ["a NaN fileCount", { fileCount: Number.NaN }],
    ["an infinite fileCount", { fileCount: Number.POSITIVE_INFINITY }],
    ["files that are not an array", { files: { length: 1 } }],
    ["null files", { files: null }],
  ])("fails closed on %s", (_label, payload) => {
    expect(maxFilesPerCommit(50)(ctx(payload))).toMatchObject({ passed: false });
  });

  it.each([-1, 1.5, Number.NaN])("refuses a limit of %s", (max) => {
    expect(() => maxFilesPerCommit(max)).toThrow(ConfigurationError);
  });

  it("is named for the receipt", () => {
    expect(maxFilesPerCommit(5).name).toBe("max_files_per_commit");
  });
});

describe("requireBranchPrefix", () => {
  it("passes a branch with the default agent/ prefix", () => {
    expect(requireBranchPrefix()(ctx({ branch: "agent/fix-1" }))).toMatchObject({
      policy: "require_branch_prefix",
      passed: true,
    });
  });

  it.each(["fix-1", "Agent/fix-1", "agent", "agent/", " agent/x", "x/agent/y", "refs/heads/agent/x"])(
    "blocks %j",
    (branch) => {
      expect(requireBranchPrefix()(ctx({ branch }))).toMatchObject({ passed: false });
    },
  );

  it("uses a custom prefix", () => {
    expect(requireBranchPrefix("bot-")(ctx({ branch: "bot-42" }))).toMatchObject({ passed: true });
  });

  it("fails closed on a missing branch", () => {
    expect(requireBranchPrefix()(ctx({}))).toMatchObject({ passed: false, reason: expect.stringContaining("missing") });
  });

  it("refuses an empty prefix", () => {
    expect(() => requireBranchPrefix("")).toThrow(ConfigurationError);
  });

  it("is named for the receipt", () => {
    expect(requireBranchPrefix().name).toBe("require_branch_prefix");
  });
});

describe("noPushDuringDeployFreeze", () => {
  const at = (iso: string) => () => new Date(iso);
  const freeze = (now: string) =>
    noPushDuringDeployFreeze("2025-12-24T18:00:00Z", "2025-12-27T06:00:00Z", { now: at(now) });

  it.each([
    ["one ms before the start", "2025-12-24T17:59:59.999Z", true],
    ["exactly at the start (inclusive)", "2025-12-24T18:00:00.000Z", false],
    ["inside", "2025-12-25T12:00:00Z", false],
    ["one ms before the end", "2025-12-27T05:59:59.999Z", false],
    ["exactly at the end (exclusive)", "2025-12-27T06:00:00.000Z", true],
  ])("%s: passes %s", (_label, now, passed) => {
    expect(freeze(now)(ctx({}))).toMatchObject({ policy: "no_push_during_deploy_freeze", passed });
  });

  describe("a window crossing midnight (23:00 to 01:00 UTC)", () => {
    const overnight = (now: string) =>
      noPushDuringDeployFreeze(new Date("2025-03-01T23:00:00Z"), new Date("2025-03-02T01:00:00Z"), { now: at(now) });

    it.each([
      ["22:59:59 before", "2025-03-01T22:59:59Z", true],
      ["23:30 on the first day", "2025-03-01T23:30:00Z", false],
      ["midnight", "2025-03-02T00:00:00Z", false],
      ["00:30 on the second day", "2025-03-02T00:30:00Z", false],
      ["01:00 at the end", "2025-03-02T01:00:00Z", true],
      ["23:30 a day later", "2025-03-02T23:30:00Z", true],
    ])("%s: passes %s", (_label, now, passed) => {
      expect(overnight(now)(ctx({}))).toMatchObject({ passed });
    });
  });

  it("honours timezone offsets in ISO strings", () => {
    const policy = noPushDuringDeployFreeze("2025-06-01T09:00:00+02:00", "2025-06-01T17:00:00+02:00", {
      now: at("2025-06-01T07:00:00Z"),
    });
    expect(policy(ctx({}))).toMatchObject({ passed: false });
  });

  it.each([
    ["end before start", "2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z"],
    ["an empty window", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z"],
    ["a local time without a zone", "2025-01-01T00:00:00", "2025-01-02T00:00:00Z"],
    ["garbage", "tomorrow", "2025-01-02T00:00:00Z"],
    ["an invalid Date", new Date("nope"), "2025-01-02T00:00:00Z"],
  ])("refuses %s", (_label, start, end) => {
    expect(() => noPushDuringDeployFreeze(start, end)).toThrow(ConfigurationError);
  });

  it("fails closed when the clock returns an invalid time", () => {
    const policy = noPushDuringDeployFreeze("2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", {
      now: () => new Date(Number.NaN),
    });
    expect(policy(ctx({}))).toMatchObject({ passed: false, reason: expect.stringContaining("invalid time") });
  });

  it("uses the real clock by default", () => {
    const past = noPushDuringDeployFreeze("2000-01-01T00:00:00Z", "2000-01-02T00:00:00Z");
    expect(past(ctx({}))).toMatchObject({ passed: true });
  });

  it("is named for the receipt", () => {
    expect(freeze("2025-01-01T00:00:00Z").name).toBe("no_push_during_deploy_freeze");
  });
});
