import { mkdir, mkdtemp, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { auditReceiptDirectory, buildReceipt, FileReceiptStore, ReceiptExistsError, settleReceiptDirectory, signReceipt, type Receipt } from "enact-sdk";
import { TEST_SECRET } from "../support/context.js";

// Each receipt is appended to the store's write-ahead log (journal/wal/*.log) before its file is
// created. When the file cannot be created, what the log says next decides what verify and settle
// make of the line: abandoned (never to be stored), or an interrupted write (settle stores it).

let directory: string;
let store: FileReceiptStore;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "enact-write-ahead-"));
  store = new FileReceiptStore(directory, { secret: TEST_SECRET, journalIntervalMs: 60_000 });
});

function receipt(overrides: { runId?: string; workflow?: string } = {}): Receipt {
  return signReceipt(
    buildReceipt({ runId: overrides.runId, workflow: overrides.workflow ?? "w1", actorEmail: "a@co.com", payload: {}, policyResults: [], decision: "PASS" }),
    TEST_SECRET,
  );
}

async function logLines(): Promise<unknown[]> {
  const wal = join(directory, "journal", "wal");
  const lines: unknown[] = [];
  for (const name of await readdir(wal)) {
    for (const line of (await readFile(join(wal, name), "utf8")).split("\n")) if (line !== "") lines.push(JSON.parse(line));
  }
  return lines;
}

/** What verify and settle make of a receipt whose file is written and whose only voucher is its log line. */
async function expectVouchedButUnchained(written: Receipt): Promise<void> {
  const report = await auditReceiptDirectory(directory, TEST_SECRET);
  expect(report.findings).toEqual([]);
  expect(report.counts.unsealed).toBe(1);
  expect((await settleReceiptDirectory(directory, TEST_SECRET)).chained).toEqual([written.runId]);
  expect((await auditReceiptDirectory(directory, TEST_SECRET)).ok).toBe(true);
}

describe("FileReceiptStore's write-ahead log", () => {
  it("abandons the line of a receipt whose run id another receipt holds, so settle and verify leave it be", async () => {
    const stored = receipt();
    await store.write(stored);
    await store.flush();
    const refused = receipt({ runId: stored.runId, workflow: "w2" });

    await expect(store.write(refused)).rejects.toBeInstanceOf(ReceiptExistsError);
    expect(await logLines()).toContainEqual({ runId: refused.runId, signature: refused.signature, abandoned: "another receipt holds its name" });
    expect(await settleReceiptDirectory(directory, TEST_SECRET)).toEqual({ stored: [], chained: [], removedLogs: [], skipped: [] });
    expect((await auditReceiptDirectory(directory, TEST_SECRET)).ok).toBe(true);
    expect(await store.load(stored.runId)).toEqual(stored);
  });

  it("abandons the line of a receipt whose name a file that is not a receipt holds", async () => {
    const refused = receipt();
    await writeFile(join(directory, `${refused.runId}.json`), "not a receipt");
    await expect(store.write(refused)).rejects.toBeInstanceOf(ReceiptExistsError);
    expect(await logLines()).toContainEqual({ runId: refused.runId, signature: refused.signature, abandoned: "another receipt holds its name" });
  });

  it("refuses only the receipt whose name is taken among receipts written in one turn, abandoning only its line", async () => {
    const [first, taken, last] = [receipt(), receipt(), receipt()];
    await writeFile(join(directory, `${taken.runId}.json`), "not a receipt");
    const outcomes = await Promise.allSettled([first, taken, last].map((written) => store.write(written)));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ReceiptExistsError);
    const abandoned = (await logLines()).filter((line) => typeof line === "object" && line !== null && "abandoned" in line);
    expect(abandoned).toEqual([{ runId: taken.runId, signature: taken.signature, abandoned: "another receipt holds its name" }]);
    expect(await store.load(first.runId)).toEqual(first);
    expect(await store.load(last.runId)).toEqual(last);
  });

  it("refuses every receipt of a turn when the log cannot be written, and creates none of their files", async () => {
    // A file where the log's directory should be: opening a log fails (ENOTDIR).
    await mkdir(join(directory, "journal"), { recursive: true });
    await writeFile(join(directory, "journal", "wal"), "");
    const receipts = [receipt(), receipt(), receipt()];
    const outcomes = await Promise.allSettled(receipts.map((written) => store.write(written)));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(outcomes.map((outcome) => ((outcome as PromiseRejectedResult).reason as NodeJS.ErrnoException).code)).toEqual(["ENOTDIR", "ENOTDIR", "ENOTDIR"]);
    expect((await readdir(directory)).filter((name) => name.endsWith(".json"))).toEqual([]);
  });

  it("keeps vouching for a receipt written twice: the second write abandons only its own line, the first still stands until settled", async () => {
    const written = receipt();
    await store.write(written);
    await expect(store.write(written)).rejects.toBeInstanceOf(ReceiptExistsError);
    expect(await logLines()).toEqual([
      expect.objectContaining({ runId: written.runId, receipt: written }),
      expect.objectContaining({ runId: written.runId, receipt: written }),
      { runId: written.runId, signature: written.signature, abandoned: "another receipt holds its name" },
    ]);

    // As if the writer stopped here, before its journal chained the receipt.
    await expectVouchedButUnchained(written);
  });

  it("keeps vouching for a receipt when another writer's log abandons its own line of the same receipt", async () => {
    const written = receipt();
    await store.write(written);
    // Another writer's write of the same receipt, refused (a file that is not a receipt held the
    // name when it looked): its log holds the receipt's line and the abandon line cancelling it.
    const elsewhere = await mkdtemp(join(tmpdir(), "enact-write-ahead-other-"));
    await writeFile(join(elsewhere, `${written.runId}.json`), "not a receipt");
    await expect(new FileReceiptStore(elsewhere, { secret: TEST_SECRET }).write(written)).rejects.toBeInstanceOf(ReceiptExistsError);
    const [otherLog] = await readdir(join(elsewhere, "journal", "wal"));
    await rename(join(elsewhere, "journal", "wal", otherLog as string), join(directory, "journal", "wal", otherLog as string));

    await expectVouchedButUnchained(written);
  });

  it("keeps the line of a receipt whose file could not be created for another reason: verify reports an interrupted write, settle stores it", async () => {
    await store.write(receipt());
    await store.flush();
    // The receipt directory is swapped for a file (the log's file stays open): creating the next
    // receipt's file fails with ENOTDIR after its line is in the log.
    await rename(directory, `${directory}.moved`);
    await writeFile(directory, "not a directory");
    const interrupted = receipt();
    await expect(store.write(interrupted)).rejects.toMatchObject({ code: "ENOTDIR" });
    await unlink(directory);
    await rename(`${directory}.moved`, directory);

    const report = await auditReceiptDirectory(directory, TEST_SECRET);
    expect(report.counts.interrupted).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ runId: interrupted.runId, status: "interrupted" })]);
    expect((await settleReceiptDirectory(directory, TEST_SECRET)).stored).toEqual([interrupted.runId]);
    expect(await store.load(interrupted.runId)).toEqual(interrupted);
  });
});
