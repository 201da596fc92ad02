import { join } from "node:path";
import { readFile, rm, writeFile } from "node:fs/promises";
import { beforeEach, describe, expect, it } from "vitest";
import { FileReceiptStore, type Receipt } from "enact-sdk";
import {
  CLI_SECRET,
  editReceiptFile,
  fileOf,
  fillStore,
  makeReceipt,
  runCli,
  segments,
  tempDirectory,
} from "../support/cli.js";

let directory: string;
let receipts: Receipt[];

beforeEach(async () => {
  directory = await tempDirectory();
  // One at a time, so the journal holds one segment per receipt, in this order.
  receipts = await fillStore(directory, 5, 1);
});

interface Report {
  ok: boolean;
  exitCode: number;
  counts: { receipts: number; valid: number; invalid: number; missing: number; unreadable: number };
  findings: { runId: string; status: string; problems: string[] }[];
  journal: { entries: number; head: { seq: number; mac: string }; problems: string[] };
}

async function verifyJson(...args: string[]): Promise<{ code: number | null; report: Report }> {
  const result = await runCli(["verify", directory, "--json", ...args]);
  return { code: result.code, report: JSON.parse(result.stdout) as Report };
}

describe("enact-sdk verify", () => {
  it("passes a valid store with exit 0 and says so", async () => {
    const { code, stdout, stderr } = await runCli(["verify", directory]);
    expect(code).toBe(0);
    expect(stdout).toContain("Receipts: 5 valid, 0 invalid, 0 missing, 0 unreadable (5 in all)");
    expect(stdout).toContain("Journal:  5 entries, chain intact");
    expect(stdout).toContain("OK: every receipt is valid and the journal is intact.");
    expect(stderr).toBe("");
  });

  it("gives machine-readable counts with --json", async () => {
    const { code, report } = await verifyJson();
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, exitCode: 0, counts: { receipts: 5, valid: 5, invalid: 0, missing: 0, unreadable: 0 }, findings: [] });
    expect(report.journal).toMatchObject({ entries: 5, head: { seq: 4 }, problems: [] });
  });

  it("names an edited receipt and exits 1", async () => {
    const target = receipts[2] as Receipt;
    await editReceiptFile(directory, target, (json) => (json.decision = "BLOCK"));
    const { stdout, code } = await runCli(["verify", directory]);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`INVALID +${target.runId} +signature invalid`));
    expect(stdout).toContain("4 valid, 1 invalid, 0 missing, 0 unreadable");
    expect(stdout).toContain("FAILED");
  });

  it("names a deleted receipt as missing and exits 1", async () => {
    const target = receipts[1] as Receipt;
    await rm(fileOf(directory, target));
    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.counts).toEqual({ receipts: 5, valid: 4, invalid: 0, missing: 1, unreadable: 0, interrupted: 0, unsealed: 0 });
    expect(report.findings).toEqual([
      expect.objectContaining({ runId: target.runId, status: "missing", problems: [expect.stringMatching(/not in the store \(deleted\)/)] }),
    ]);
  });

  it("catches a receipt replaced by another validly signed receipt under the same run id", async () => {
    const target = receipts[3] as Receipt;
    // Signed with the right secret, so its signature checks out; only the journal knows it is not the original.
    const impostor = { ...makeReceipt({ decision: "BLOCK", actionsTaken: [] }), runId: target.runId };
    const { signReceipt } = await import("enact-sdk");
    await writeFile(fileOf(directory, target), JSON.stringify(signReceipt({ ...impostor, signature: "" }, CLI_SECRET), null, 2));
    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.counts).toMatchObject({ valid: 4, invalid: 1 });
    expect(report.findings[0]?.problems).toEqual([expect.stringMatching(/not the receipt the journal recorded at entry 3 \(replaced by another signed receipt\)/)]);
  });

  it("catches a receipt file swapped for another valid receipt of this store", async () => {
    const [first, second] = receipts as [Receipt, Receipt];
    await writeFile(fileOf(directory, first), await readFile(fileOf(directory, second), "utf8"));
    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.findings).toEqual([
      expect.objectContaining({
        runId: first.runId,
        status: "invalid",
        problems: [
          `holds run "${second.runId}", not ${first.runId} (moved or swapped)`,
          expect.stringMatching(/not the receipt the journal recorded at entry 0/),
        ],
      }),
    ]);
  });

  it("reports a truncated file as unreadable and exits 5", async () => {
    const target = receipts[0] as Receipt;
    const text = await readFile(fileOf(directory, target), "utf8");
    await writeFile(fileOf(directory, target), text.slice(0, text.length / 2));
    const { stdout, code } = await runCli(["verify", directory]);
    expect(code).toBe(5);
    expect(stdout).toMatch(new RegExp(`UNREADABLE +${target.runId} +is not valid JSON \\(truncated or corrupt\\)`));
    expect(stdout).toContain("4 valid, 0 invalid, 0 missing, 1 unreadable");
  });

  it("exits 1, not 5, when a store has both unreadable and tampered receipts", async () => {
    await writeFile(fileOf(directory, receipts[0] as Receipt), "{");
    await rm(fileOf(directory, receipts[1] as Receipt));
    expect((await runCli(["verify", directory])).code).toBe(1);
  });

  it("catches a validly signed receipt injected without a journal entry", async () => {
    const injected = makeReceipt({ actorEmail: "intruder@elsewhere.net" });
    await writeFile(fileOf(directory, injected), JSON.stringify(injected, null, 2));
    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.counts).toEqual({ receipts: 6, valid: 5, invalid: 1, missing: 0, unreadable: 0, interrupted: 0, unsealed: 0 });
    expect(report.findings).toEqual([
      expect.objectContaining({ runId: injected.runId, problems: ["not in the journal (injected, or written without the journal)"] }),
    ]);
  });

  it("catches journal segments put in another order", async () => {
    const [, a, b] = (await segments(directory)) as [string, string, string];
    const [textA, textB] = [await readFile(a, "utf8"), await readFile(b, "utf8")];
    await writeFile(a, textB);
    await writeFile(b, textA);
    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.journal.problems).toEqual(["journal/000000000002.jsonl line 1: entry 1 is out of order (stored after entry 2)"]);
  });

  it("catches entries put in another order inside one segment", async () => {
    const batched = await tempDirectory();
    await fillStore(batched, 20, 20); // concurrent writes share segments
    const texts = await Promise.all((await segments(batched)).map(async (path) => ({ path, text: await readFile(path, "utf8") })));
    const shared = texts.find(({ text }) => text.trimEnd().split("\n").length > 1);
    if (shared === undefined) return expect.fail("fixture: concurrent writes should share a segment");
    const segment = shared.path;
    const lines = shared.text.trimEnd().split("\n");
    [lines[0], lines[1]] = [lines[1] as string, lines[0] as string];
    await writeFile(segment, `${lines.join("\n")}\n`);
    const result = await runCli(["verify", batched]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/JOURNAL +journal\/\d{12}\.jsonl line 2: entry \d+ is out of order/);
  });

  it("catches an edited journal entry", async () => {
    const [segment] = await segments(directory);
    const text = await readFile(segment as string, "utf8");
    await writeFile(segment as string, text.replace(/"seq":0/, '"seq":7'));
    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.journal.problems).toEqual(expect.arrayContaining([expect.stringMatching(/wrong MAC/)]));
  });

  it("catches a journal segment removed from the middle", async () => {
    const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
    for (let i = 0; i < 3; i += 1) {
      await store.write(makeReceipt());
      await store.flush(); // one segment each
    }
    const all = await segments(directory);
    await rm(all[all.length - 2] as string);
    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.journal.problems.join("\n")).toMatch(/missing/);
  });

  it("reports every receipt invalid under the wrong secret", async () => {
    const result = await runCli(["verify", directory, "--json"], { env: { ENACT_SECRET: "another-secret-0123456789abcdef-012345" } });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ valid: 0, invalid: 5 });
  });

  it("cannot see a cut tail without an anchor, and catches it with one", async () => {
    const { report: before } = await verifyJson();
    const anchor = `${before.journal.head.seq}:${before.journal.head.mac}`;
    // Remove the newest receipt, the journal segment that records it and the write-ahead logs
    // that saw it chained: consistent, but shorter.
    const last = receipts[receipts.length - 1] as Receipt;
    const all = await segments(directory);
    await rm(all[all.length - 1] as string);
    await rm(fileOf(directory, last));
    await rm(join(directory, "journal", "wal"), { recursive: true, force: true });
    expect((await verifyJson()).code).toBe(0);
    const anchored = await verifyJson("--anchor", anchor);
    expect(anchored.code).toBe(1);
    expect(anchored.report.journal.problems).toEqual([expect.stringMatching(/anchored entry 4 is not in the journal/)]);
  });

  it("catches a cut tail without an anchor while the write-ahead log that saw it chained is there", async () => {
    const last = receipts[receipts.length - 1] as Receipt;
    const all = await segments(directory);
    await rm(all[all.length - 1] as string);
    await rm(fileOf(directory, last));
    const { code, report } = await verifyJson();
    expect(code).toBe(1);
    expect(report.journal.problems).toEqual([expect.stringMatching(new RegExp(`run ${last.runId} was chained .* but its entry is not in the journal`))]);
  });

  it("rejects a malformed --anchor as a usage error", async () => {
    const result = await runCli(["verify", directory, "--anchor", "nonsense"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--anchor must be <seq>:<64 hex MAC>");
  });

  // How fast `verify` is belongs to the benchmark, not here: `npm run bench` section "4 cli verify",
  // row "enact-sdk verify, 10000 receipts (one process)", with its target `cli-verify` (>= 0.50× the
  // receipts/s of merely reading and parsing the same files, spawn to exit).
  it("verifies 10,000 receipts with exact counts", { timeout: 120_000 }, async () => {
    const big = await tempDirectory("enact-cli-big-");
    const written = await fillStore(big, 10_000);
    await rm(fileOf(big, written[10] as Receipt));
    await rm(fileOf(big, written[5000] as Receipt));
    await editReceiptFile(big, written[20] as Receipt, (json) => (json.actorEmail = "someone-else@company.com"));
    await writeFile(fileOf(big, written[30] as Receipt), "");
    const result = await runCli(["verify", big, "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.counts).toEqual({ receipts: 10_000, valid: 9_996, invalid: 1, missing: 2, unreadable: 1, interrupted: 0, unsealed: 0 });
    expect(report.journal).toMatchObject({ entries: 10_000, problems: [] });
  });
});
