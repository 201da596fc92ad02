import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, truncate } from "node:fs/promises";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditReceiptDirectory } from "../../src/journal/file-source.js";
import { settleReceiptDirectory } from "../../src/journal/settle.js";
import { CLI_SECRET, ROOT, runCli, runNode, tempDirectory, TSX } from "../support/cli.js";

const CHILD = join(ROOT, "tests/support/run-and-stop.ts");

/** Runs the child to its end; its stdout lines are the run ids whose run() resolved. */
async function runAndStop(how: string, count = 5): Promise<{ directory: string; resolved: string[]; code: number | null }> {
  const directory = await tempDirectory("enact-crash-");
  const result = await runNode(["--import", TSX, CHILD, directory, how, String(count)]);
  return { directory, resolved: result.stdout.split("\n").filter((line) => line !== ""), code: result.code };
}

describe("receipts whose run() resolved verify whatever happens to the process next", () => {
  for (const how of ["exit", "throw", "sigterm", "sigkill"]) {
    it(`verifies every resolved receipt after ${how === "exit" ? "process.exit(0)" : how === "throw" ? "an uncaught exception" : how.toUpperCase()}`, async () => {
      const { directory, resolved } = await runAndStop(how);
      expect(resolved).toHaveLength(5);
      const report = await auditReceiptDirectory(directory, CLI_SECRET);
      // Nothing was chained (the journal waits a minute): the write-ahead log vouches for them.
      expect(report).toMatchObject({ ok: true, findings: [], counts: { receipts: 5, valid: 5, unsealed: 5 }, journal: { entries: 0, problems: [] } });
    });
  }

  it("lets verify pass with exit 0 and settle chain them, after which the store verifies clean", async () => {
    const { directory } = await runAndStop("sigkill", 3);
    expect((await runCli(["verify", directory])).code).toBe(0);
    const settled = await runCli(["settle", directory]);
    expect([settled.code, settled.stderr]).toEqual([0, ""]);
    expect(settled.stdout).toContain("chained 3 into the journal, removed 1 write-ahead log");
    const report = await auditReceiptDirectory(directory, CLI_SECRET);
    expect(report).toMatchObject({ ok: true, counts: { valid: 3, unsealed: 0 }, journal: { entries: 3, problems: [] } });
    expect(await readdir(join(directory, "journal", "wal"))).toEqual([]);
  });

  it("lets show call such a receipt genuine, recorded by its write-ahead log", async () => {
    const { directory, resolved } = await runAndStop("sigkill", 1);
    const shown = await runCli(["show", resolved[0] as string, directory]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/journal +recorded in journal\/wal\/.* not yet chained/);
  });

  it("keeps every resolved receipt verifiable when killed with 64 runs in flight", { timeout: 60_000 }, async () => {
    const directory = await tempDirectory("enact-crash-");
    const child = spawn(process.execPath, ["--import", TSX, CHILD, directory, "in-flight"], { cwd: ROOT });
    const resolved: string[] = [];
    const enough = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on("line", (line) => {
        resolved.push(line);
        if (resolved.length === 300) resolve();
      });
    });
    await enough;
    child.kill("SIGKILL");
    await once(child, "exit");
    const report = await auditReceiptDirectory(directory, CLI_SECRET);
    // Runs cut off before their receipt was stored may show as interrupted writes; nothing else.
    expect(report.journal.problems).toEqual([]);
    expect(report.findings.filter((finding) => finding.status !== "interrupted")).toEqual([]);
    const flagged = new Set(report.findings.map((finding) => finding.runId));
    expect(resolved.filter((runId) => flagged.has(runId))).toEqual([]);
    expect(report.counts.valid).toBeGreaterThanOrEqual(resolved.length);

    await settleReceiptDirectory(directory, CLI_SECRET);
    expect(await auditReceiptDirectory(directory, CLI_SECRET)).toMatchObject({ ok: true, counts: { unsealed: 0, interrupted: 0 } });
  });
});

describe("a write interrupted before its receipt was stored", () => {
  it("is named by verify as an interrupted write, with its own exit code, not as tampering", async () => {
    const { directory, resolved } = await runAndStop("logged-only");
    const [runId] = resolved;
    const result = await runCli(["verify", directory, "--json"]);
    expect(result.code).toBe(7);
    const report = JSON.parse(result.stdout) as { ok: boolean; findings: { runId: string; status: string }[] };
    expect(report.findings).toEqual([expect.objectContaining({ runId, status: "interrupted" })]);
    expect((await runCli(["verify", directory])).stdout).toContain("INTERRUPTED: nothing was tampered with");
  });

  it("is stored, signature checked, and chained by settle, after which verify passes", async () => {
    const { directory, resolved } = await runAndStop("logged-only");
    const [runId] = resolved;
    const report = await settleReceiptDirectory(directory, CLI_SECRET);
    expect(report).toMatchObject({ stored: [runId], chained: [runId], skipped: [] });
    expect((await runCli(["verify", directory])).code).toBe(0);
  });

  it("is not stored by settle under another secret", async () => {
    const { directory } = await runAndStop("logged-only");
    const report = await settleReceiptDirectory(directory, "another-secret-0123456789abcdef-0123456789");
    expect(report).toMatchObject({ stored: [], chained: [], removedLogs: [] });
    expect(report.skipped).toEqual([expect.objectContaining({ reason: expect.stringMatching(/does not verify/) })]);
  });
});

describe("a receipt file cut short while it was written", () => {
  it("is an interrupted write, rewritten whole from the write-ahead log by settle", async () => {
    const { directory, resolved } = await runAndStop("sigkill", 3);
    const [runId] = resolved;
    const path = join(directory, `${runId}.json`);
    // What a kill between the file's creation and its write leaves: a prefix of the JSON.
    await truncate(path, 40);
    const report = await auditReceiptDirectory(directory, CLI_SECRET);
    expect(report.findings).toEqual([expect.objectContaining({ runId, status: "interrupted", problems: [expect.stringMatching(/while writing this receipt/)] })]);
    expect((await runCli(["verify", directory])).code).toBe(7);
    const settled = await settleReceiptDirectory(directory, CLI_SECRET);
    expect(settled.stored).toEqual([runId]);
    expect(await auditReceiptDirectory(directory, CLI_SECRET)).toMatchObject({ ok: true, counts: { valid: 3, interrupted: 0 } });
  });

  it("is an unreadable receipt, not an interrupted write, once its entry is chained", async () => {
    const { directory, resolved } = await runAndStop("sigkill", 2);
    await settleReceiptDirectory(directory, CLI_SECRET);
    const [runId] = resolved;
    await truncate(join(directory, `${runId}.json`), 40);
    const report = await auditReceiptDirectory(directory, CLI_SECRET);
    expect(report.findings).toEqual([expect.objectContaining({ runId, status: "unreadable" })]);
  });
});
