import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileReceiptStore, type IdempotencyClaim, type Receipt } from "enact-sdk";
import { CLI_SECRET, fileOf, fillStore, ROOT, runCli, tempDirectory } from "../support/cli.js";

/** Keyed runs as `EnactClient` leaves them: a receipt, and its claim marked completed. */
async function keyedRuns(directory: string, count: number): Promise<Receipt[]> {
  const receipts = await fillStore(directory, count, 1);
  const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
  for (const [index, receipt] of receipts.entries()) {
    const now = new Date().toISOString();
    const claim: IdempotencyClaim = {
      key: `order-${index}`,
      fingerprint: "f".repeat(64),
      workflow: receipt.workflow,
      actorEmail: receipt.actorEmail,
      payload: receipt.payload,
      runId: receipt.runId,
      state: "executing",
      owner: "test:1",
      claimedAt: now,
      updatedAt: now,
    };
    await store.claim(claim);
    await store.updateClaim(claim.key, receipt.runId, "completed");
  }
  return receipts;
}

describe("enact-sdk and directories that are not (or no longer) receipt stores", () => {
  it("verify refuses a directory that is not a receipt store with exit 4", async () => {
    const { code, stdout, stderr } = await runCli(["verify", "src"], { cwd: ROOT });
    expect(code).toBe(4);
    expect(stdout).toBe("");
    expect(stderr).toBe("error: src is not a receipt store (no receipts, journal/ or claims/ in it). Pass the directory your EnactClient writes receipts to.\n");
  });

  it("list refuses a directory that is not a receipt store with exit 4", async () => {
    const cwd = await tempDirectory();
    await writeFile(join(cwd, "notes.txt"), "hello");
    expect((await runCli(["list", cwd])).code).toBe(4);
  });

  it("still verifies a directory with only hidden files as an empty store", async () => {
    const cwd = await tempDirectory();
    await writeFile(join(cwd, ".gitkeep"), "");
    const { code, stdout } = await runCli(["verify", cwd]);
    expect(code).toBe(0);
    expect(stdout).toContain("(0 in all)");
  });

  it("treats a journal deleted with every receipt, while completed claims remain, as tampering", async () => {
    const directory = await tempDirectory();
    const receipts = await keyedRuns(directory, 2);
    for (const receipt of receipts) await rm(fileOf(directory, receipt));
    await rm(join(directory, "journal"), { recursive: true });
    expect((await readdir(directory)).filter((name) => !name.startsWith("."))).toEqual(["claims"]);
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      "JOURNAL    the journal is missing (no entries in journal/) although the store has 2 completed idempotency claims: it was deleted or replaced",
    );
    expect(stdout).toContain("FAILED");
  });

  it("treats a journal whose segments were all deleted, while receipts remain, as tampering", async () => {
    const directory = await tempDirectory();
    await fillStore(directory, 3, 1);
    await rm(join(directory, "journal"), { recursive: true });
    await mkdir(join(directory, "journal"));
    const { code, stdout } = await runCli(["verify", directory, "--json"]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { ok: boolean; journal: { problems: string[] } };
    expect(report.ok).toBe(false);
    expect(report.journal.problems).toContain(
      "the journal is missing (no entries in journal/) although the store has 3 receipts: it was deleted or replaced",
    );
  });

  it("show says the journal is missing when the store was used", async () => {
    const directory = await tempDirectory();
    const [receipt] = (await keyedRuns(directory, 1)) as [Receipt];
    await rm(join(directory, "journal"), { recursive: true });
    const { code, stdout } = await runCli(["show", receipt.runId, directory]);
    expect(code).toBe(1);
    expect(stdout).toContain("NOT IN THE JOURNAL");
    expect(stdout).toContain("(the journal has 1 problem(s) elsewhere: run verify)");
  });

  it("does not count claims of runs that never completed as evidence", async () => {
    const directory = await tempDirectory();
    const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
    const now = new Date().toISOString();
    await store.claim({
      key: "k",
      fingerprint: "f".repeat(64),
      workflow: "w",
      actorEmail: "a@b.c",
      payload: {},
      runId: "0b6f1c52-8d7e-4a39-9f0e-3c2d1b4a5e6f",
      state: "executing",
      owner: "test:1",
      claimedAt: now,
      updatedAt: now,
    });
    expect((await runCli(["verify", directory])).code).toBe(0);
  });
});
