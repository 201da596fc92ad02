import { readFile, writeFile } from "node:fs/promises";
import { beforeEach, describe, expect, it } from "vitest";
import { FileReceiptStore, type Receipt } from "enact-sdk";
import { CLI_SECRET, editReceiptFile, fileOf, makeReceipt, runCli, tempDirectory } from "../support/cli.js";

const ESC = "\u001b";
let directory: string;
let pass: Receipt;
let block: Receipt;
let failed: Receipt;

beforeEach(async () => {
  directory = await tempDirectory();
  const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
  pass = makeReceipt();
  block = makeReceipt({
    workflow: "agent_pr_workflow",
    actorEmail: "intern@company.com",
    decision: "BLOCK",
    policyResults: [
      { policy: "no_push_to_main", passed: false, reason: "Direct push to 'main' is not allowed" },
      { policy: "max_files_per_commit", passed: true, reason: "3 files (limit 50)" },
    ],
    actionsTaken: [],
  });
  failed = makeReceipt({
    workflow: "new_lead_workflow",
    actionsTaken: [
      { action: "create_contact", system: "hubspot", success: true, output: { id: "101" }, alreadyDone: true },
      { action: "create_deal", system: "hubspot", success: false, output: { error: "HubSpot API error 429: rate limited" } },
    ],
    error: "Deal creation failed",
  });
  for (const receipt of [pass, block, failed]) await store.write(receipt);
});

describe("enact-sdk list", () => {
  it("prints one row per receipt with time, run id, workflow, actor, decision, actions and signature", async () => {
    const { code, stdout, stderr } = await runCli(["list", directory]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(/time +│ run id +│ workflow +│ actor +│ decision │ actions +│ signature/);
    expect(stdout).toMatch(new RegExp(`${block.runId} │ agent_pr_workflow +│ intern@company.com +│ BLOCK +│ — +│ valid`));
    expect(stdout).toContain("hubspot.create_contact, hubspot.create_deal (failed)");
  });

  it("filters by workflow, actor, decision and time", async () => {
    const ids = async (...args: string[]) => (JSON.parse((await runCli(["list", directory, "--json", ...args])).stdout) as { receipts: { runId: string }[] }).receipts.map((r) => r.runId);
    expect(await ids("--workflow", "agent_pr_workflow")).toEqual([block.runId]);
    expect(await ids("--actor", "intern@company.com")).toEqual([block.runId]);
    expect(await ids("--decision", "pass")).toHaveLength(2);
    expect(await ids("--since", "2000-01-01", "--until", "2000-01-02")).toEqual([]);
    expect(await ids("--since", pass.timestamp)).toContain(pass.runId);
  });

  it("keeps only the newest receipts with --limit, in the same order", async () => {
    const ids = async (...args: string[]) => (JSON.parse((await runCli(["list", directory, "--json", ...args])).stdout) as { receipts: { runId: string }[] }).receipts.map((r) => r.runId);
    const all = await ids();
    expect(await ids("--limit", "2")).toEqual(all.slice(-2));
    expect(await ids("--limit", "50")).toEqual(all);
  });

  it("refuses a --limit that is not a whole number of receipts, exit 2", async () => {
    for (const limit of ["0", "-1", "2.5", "ten"]) {
      const { code, stderr } = await runCli(["list", directory, "--limit", limit]);
      expect(code).toBe(2);
      expect(stderr).toContain("--limit must be a whole number of receipts");
    }
  });

  it("gives JSON rows with actions and signature status", async () => {
    const { code, stdout } = await runCli(["list", directory, "--json", "--workflow", "new_lead_workflow"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      receipts: [
        {
          timestamp: failed.timestamp,
          runId: failed.runId,
          workflow: "new_lead_workflow",
          actorEmail: "agent@company.com",
          decision: "PASS",
          actions: [
            { system: "hubspot", action: "create_contact", success: true },
            { system: "hubspot", action: "create_deal", success: false },
          ],
          signatureValid: true,
        },
      ],
      unreadable: [],
    });
  });

  it("marks an edited receipt's signature INVALID", async () => {
    await editReceiptFile(directory, block, (json) => (json.decision = "PASS"));
    const { stdout } = await runCli(["list", directory]);
    expect(stdout).toMatch(new RegExp(`${block.runId} .*│ INVALID`));
  });

  it("names a corrupt file on stderr and exits 5", async () => {
    await writeFile(fileOf(directory, pass), "{ truncated");
    const { code, stderr, stdout } = await runCli(["list", directory]);
    expect(code).toBe(5);
    expect(stderr).toContain(`warning: ${fileOf(directory, pass)} is not valid JSON (truncated or corrupt)`);
    expect(stdout).toContain(block.runId);
  });

  it.each([
    [["--decision", "MAYBE"], "--decision must be one of PASS, BLOCK, PARTIAL"],
    [["--since", "last tuesday"], "--since must be an ISO-8601 date"],
    [["--until", "soon"], "--until must be an ISO-8601 date"],
    [["--colour"], "unknown option '--colour'"],
  ])("rejects %j as a usage error (exit 2)", async (args, message) => {
    const { code, stderr } = await runCli(["list", directory, ...args]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("says so when nothing matches", async () => {
    const { code, stdout } = await runCli(["list", directory, "--workflow", "nothing"]);
    expect(code).toBe(0);
    expect(stdout).toBe("No receipts match.\n");
  });
});

describe("a rollback that could not undo everything", () => {
  it("is listed and shown as PARTIAL, with the run it rolls back", async () => {
    const partial = makeReceipt({
      workflow: "rollback:agent_pr_workflow",
      decision: "PARTIAL",
      rollbackOf: pass.runId,
      note: "create_branch: the branch moved since the run; left alone",
      actionsTaken: [{ action: "close_pr", system: "github", success: true, output: { prNumber: 7 } }],
    });
    await new FileReceiptStore(directory, { secret: CLI_SECRET }).write(partial);
    const listed = await runCli(["list", directory, "--json", "--decision", "partial"]);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { receipts: { runId: string }[] }).receipts.map((r) => r.runId)).toEqual([partial.runId]);
    const shown = await runCli(["show", partial.runId, directory]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/decision +PARTIAL/);
    expect(shown.stdout).toMatch(new RegExp(`rolls back +${pass.runId}`));
    expect(shown.stdout).toMatch(/note +create_branch: the branch moved/);
  });
});

describe("enact-sdk show", () => {
  it("tells who, what, why and that the receipt is genuine", async () => {
    const { code, stdout } = await runCli(["show", block.runId, directory]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Receipt ${block.runId}`);
    expect(stdout).toMatch(/signature +VALID/);
    expect(stdout).toMatch(/journal +recorded as entry 1/);
    expect(stdout).toMatch(/who +intern@company.com/);
    expect(stdout).toMatch(/what +agent_pr_workflow/);
    expect(stdout).toMatch(/decision +BLOCK/);
    expect(stdout).toContain("FAIL  no_push_to_main: Direct push to 'main' is not allowed");
    expect(stdout).toContain("PASS  max_files_per_commit: 3 files (limit 50)");
    expect(stdout).toContain("nothing changed: the run was blocked");
  });

  it("shows each action's outcome and the workflow's error", async () => {
    const { stdout } = await runCli(["show", failed.runId, directory]);
    expect(stdout).toContain('hubspot.create_contact  already done  {"id":"101"}');
    expect(stdout).toContain('hubspot.create_deal  FAILED  {"error":"HubSpot API error 429: rate limited"}');
    expect(stdout).toContain("Error: Deal creation failed");
  });

  it("says INVALID and exits 1 for an edited receipt", async () => {
    await editReceiptFile(directory, block, (json) => (json.decision = "PASS"));
    const { code, stdout } = await runCli(["show", block.runId, directory]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/signature +INVALID/);
  });

  it("says NOT IN THE JOURNAL and exits 1 for an injected receipt", async () => {
    const injected = makeReceipt();
    await writeFile(fileOf(directory, injected), JSON.stringify(injected));
    const { code, stdout } = await runCli(["show", injected.runId, directory]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/signature +VALID/);
    expect(stdout).toMatch(/journal +NOT IN THE JOURNAL/);
  });

  it("exits 6 for a run id with no receipt and 2 for something that is not a run id", async () => {
    const missing = await runCli(["show", "00000000-0000-4000-8000-000000000000", directory]);
    expect([missing.code, missing.stderr]).toEqual([6, `error: No receipt for run 00000000-0000-4000-8000-000000000000 in ${directory}.\n`]);
    const bad = await runCli(["show", "../../etc/passwd", directory]);
    expect(bad.code).toBe(2);
  });

  it("exits 5 for a truncated receipt", async () => {
    const text = await readFile(fileOf(directory, pass), "utf8");
    await writeFile(fileOf(directory, pass), text.slice(0, 50));
    const { code, stderr } = await runCli(["show", pass.runId, directory]);
    expect(code).toBe(5);
    expect(stderr).toContain("is not valid JSON (truncated or corrupt)");
  });

  it("gives JSON with --json", async () => {
    const { stdout } = await runCli(["show", pass.runId, directory, "--json"]);
    expect(JSON.parse(stdout)).toEqual({ receipt: pass, signatureValid: true, journal: { recorded: true, seq: 0, matches: true, journalProblems: 0 } });
  });

  it("never lets receipt text write escape sequences to the terminal", async () => {
    const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
    const hostile = makeReceipt({
      actorEmail: `agent${ESC}[2K${ESC}[1A\u009b31m@company.com`,
      policyResults: [{ policy: "check", passed: false, reason: `looks bad${ESC}[32m PASS \u202eevil` }],
    });
    await store.write(hostile);
    for (const args of [["show", hostile.runId, directory], ["list", directory]]) {
      const { stdout } = await runCli(args);
      expect(stdout).not.toContain(ESC);
      expect(stdout).not.toContain("\u009b");
      expect(stdout).not.toContain("\u202e");
    }
    expect((await runCli(["show", hostile.runId, directory])).stdout).toContain("agent\\u{1b}[2K\\u{1b}[1A\\u{9b}31m@company.com");
  });
});
