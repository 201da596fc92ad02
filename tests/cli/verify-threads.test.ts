import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { signReceipt, type Receipt } from "enact-sdk";
import { auditReceiptDirectory } from "../../src/journal/file-source.js";
import { auditReceiptDirectoryInParallel, PARALLEL_THRESHOLD, threadsFor } from "../../src/journal/parallel-audit.js";
import { CLI_SECRET, editReceiptFile, fileOf, fillStore, makeReceipt, ROOT, runCli, runNode, tempDirectory, type CliResult } from "../support/cli.js";

// Worker threads run the built CLI (dist/cli.js; `npm test` builds it first): run from source
// through tsx, the CLI checks everything in one thread.
const BIN = join(ROOT, "dist/cli.js");
/** The built CLI's entry point, which serves receipt examinations when started as a worker thread. */
const WORKER = pathToFileURL(join(ROOT, "dist/cli-main.cjs"));

function runBin(args: readonly string[]): Promise<CliResult> {
  return runNode([BIN, ...args]);
}

describe("enact-sdk verify with worker threads", () => {
  let big: string;
  let receipts: Receipt[];

  // Above the threshold, so the default run uses workers wherever the machine has an idle CPU.
  beforeAll(async () => {
    big = await tempDirectory("enact-cli-threads-");
    receipts = await fillStore(big, PARALLEL_THRESHOLD + 500);
    const at = (index: number): Receipt => receipts[index] as Receipt;
    const [edited, deleted, swappedA, swappedB, truncated, replaced] = [at(7), at(300), at(900), at(901), at(1500), at(2400)];
    await editReceiptFile(big, edited, (json) => (json.decision = "BLOCK"));
    await rm(fileOf(big, deleted));
    await copyFile(fileOf(big, swappedB), fileOf(big, swappedA));
    const text = await readFile(fileOf(big, truncated), "utf8");
    await writeFile(fileOf(big, truncated), text.slice(0, text.length / 2));
    const impostor = signReceipt({ ...makeReceipt({ decision: "BLOCK" }), runId: replaced.runId, signature: "" }, CLI_SECRET);
    await writeFile(fileOf(big, replaced), JSON.stringify(impostor, null, 2));
    const injected = makeReceipt({ actorEmail: "intruder@elsewhere.net" });
    await writeFile(fileOf(big, injected), JSON.stringify(injected, null, 2));
  }, 120_000);

  it("reports exactly what one thread reports, for every kind of tampering", { timeout: 120_000 }, async () => {
    const one = await runBin(["verify", big, "--json", "--threads", "1"]);
    const three = await runBin(["verify", big, "--json", "--threads", "3"]);
    const byDefault = await runBin(["verify", big, "--json"]);
    const fromSource = await runCli(["verify", big, "--json"]);
    for (const result of [one, three, byDefault, fromSource]) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(1);
    }
    expect(three.stdout).toBe(one.stdout);
    expect(byDefault.stdout).toBe(one.stdout);
    expect(fromSource.stdout).toBe(one.stdout);

    const report = JSON.parse(one.stdout) as {
      counts: Record<string, number>;
      findings: { runId: string; status: string; problems: string[] }[];
      journal: { entries: number; problems: string[] };
    };
    expect(report.counts).toEqual({ receipts: PARALLEL_THRESHOLD + 501, valid: PARALLEL_THRESHOLD + 495, invalid: 4, missing: 1, unreadable: 1, interrupted: 0, unsealed: 0 });
    expect(report.findings.map((finding) => [finding.runId, finding.status])).toEqual([
      [receipts[7]?.runId, "invalid"],
      [receipts[300]?.runId, "missing"],
      [receipts[900]?.runId, "invalid"],
      [receipts[1500]?.runId, "unreadable"],
      [receipts[2400]?.runId, "invalid"],
      [expect.any(String), "invalid"], // the injected receipt, which the journal does not rank
    ]);
    expect(report.journal).toMatchObject({ entries: PARALLEL_THRESHOLD + 500, problems: [] });
  });

  it("reports what one thread reports when worker threads examine every receipt (the main thread examines none)", async () => {
    const alone = await auditReceiptDirectory(big, CLI_SECRET);
    // The main thread only records what the workers send: a complete, equal report shows they ran.
    const workersOnly = await auditReceiptDirectoryInParallel(big, CLI_SECRET, { workerUrl: WORKER, threads: 3, examineInMainThread: false });
    expect(workersOnly.counts).toEqual(alone.counts);
    expect(workersOnly.counts.receipts).toBe(PARALLEL_THRESHOLD + 501);
    expect(workersOnly).toEqual(alone);
  });

  it("gives the same human-readable output in one thread and in several", { timeout: 60_000 }, async () => {
    const one = await runBin(["verify", big, "--threads", "1"]);
    const four = await runBin(["verify", big, "--threads", "4"]);
    expect(four).toEqual(one);
    expect(one.stdout).toContain("FAILED");
  });
});

describe("enact-sdk verify --threads", () => {
  it("checks a small store with more threads than it needs", async () => {
    const directory = await tempDirectory();
    await fillStore(directory, 5, 1);
    const result = await runBin(["verify", directory, "--threads", "8"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("Receipts: 5 valid, 0 invalid, 0 missing, 0 unreadable (5 in all)");
  });

  it("rejects a thread count that is not a whole number from 1 to 256 as a usage error", async () => {
    const directory = await tempDirectory();
    for (const threads of ["0", "-2", "1.5", "many", "257"]) {
      const result = await runBin(["verify", directory, "--threads", threads]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("--threads must be a whole number from 1 to 256");
    }
  });

  it("says so when it cannot start worker threads (run from source), and checks in one thread", async () => {
    const directory = await tempDirectory();
    await fillStore(directory, 3, 1);
    const result = await runCli(["verify", directory, "--threads", "2"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("warning: --threads has no effect here");
    expect(result.stdout).toContain("3 valid");
  });
});

describe("threadsFor", () => {
  const idle = { cpus: 4, load: 0.2 };

  it("uses one thread below the threshold", () => {
    expect(threadsFor(PARALLEL_THRESHOLD - 1, undefined, idle)).toBe(1);
  });

  it("uses every idle CPU above it, and only the main thread on a busy or single-CPU machine", () => {
    expect(threadsFor(PARALLEL_THRESHOLD, undefined, idle)).toBe(4);
    expect(threadsFor(PARALLEL_THRESHOLD, undefined, { cpus: 4, load: 2.1 })).toBe(2);
    expect(threadsFor(PARALLEL_THRESHOLD, undefined, { cpus: 2, load: 5 })).toBe(1);
    expect(threadsFor(PARALLEL_THRESHOLD, undefined, { cpus: 1, load: 0 })).toBe(1);
  });

  it("honours an explicit count whatever the machine, and refuses one that is not a positive integer", () => {
    expect(threadsFor(10, 4, { cpus: 1, load: 9 })).toBe(4);
    expect(() => threadsFor(10, 0)).toThrow(RangeError);
  });
});
