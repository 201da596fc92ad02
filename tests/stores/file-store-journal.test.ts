import { mkdir, mkdtemp, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { auditReceiptDirectory, buildReceipt, FileReceiptStore, signReceipt, StoreUnavailableError, type Receipt } from "enact-sdk";
import { TEST_SECRET } from "../support/context.js";
import { TEMPORARY_DIRECTORY } from "../support/temporary.js";

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "enact-file-store-journal-"));
});

function receipt(): Receipt {
  return signReceipt(buildReceipt({ workflow: "w1", actorEmail: "a@co.com", payload: {}, policyResults: [], decision: "PASS" }), TEST_SECRET);
}

// Entries gather for a minute: only flush() writes their segment within a test.
const slowJournal = { secret: TEST_SECRET, journalIntervalMs: 60_000 };

describe("FileReceiptStore's journal", () => {
  it("flush() resolves once the receipts written are chained into a journal segment", async () => {
    const store = new FileReceiptStore(directory, slowJournal);
    const written = receipt();
    await store.write(written);
    await store.flush();
    const segments = (await readdir(join(directory, "journal"))).filter((name) => name.endsWith(".jsonl"));
    expect(segments).toEqual(["000000000000.jsonl"]);
    expect(await readFile(join(directory, "journal", "000000000000.jsonl"), "utf8")).toContain(written.runId);
  });

  it("notes in its write-ahead log what was chained, so a journal cut afterwards is caught without an anchor", async () => {
    const store = new FileReceiptStore(directory, slowJournal);
    const first = receipt();
    const second = receipt();
    await store.write(first);
    await store.write(second);
    await store.flush();
    expect((await auditReceiptDirectory(directory, TEST_SECRET)).ok).toBe(true);

    await unlink(join(directory, "journal", "000000000000.jsonl"));
    const report = await auditReceiptDirectory(directory, TEST_SECRET);
    expect(report.ok).toBe(false);
    expect(report.journal.problems).toEqual(
      expect.arrayContaining([expect.stringContaining(`run ${first.runId} was chained`), expect.stringContaining(`run ${second.runId} was chained`)]),
    );
  });

  it("while a segment cannot be written: flush() rejects with its error, assertWritable() refuses runs naming the journal", async () => {
    // A file where the journal's temporary directory belongs: every segment write fails (ENOTDIR).
    await mkdir(join(directory, "journal"));
    await writeFile(join(directory, "journal", TEMPORARY_DIRECTORY), "not a directory");
    const store = new FileReceiptStore(directory, { secret: TEST_SECRET, journalIntervalMs: 0 });
    store.assertWritable();
    await store.write(receipt());

    const failure: unknown = await store.flush().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "ENOTDIR" });
    const refusal: unknown = (() => {
      try {
        store.assertWritable();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(StoreUnavailableError);
    const { message, cause } = refusal as StoreUnavailableError;
    expect(cause).toMatchObject({ code: "ENOTDIR" });
    expect(message).toBe(
      `The receipt store cannot record runs: its journal in ${join(directory, "journal")} cannot be written (${(cause as Error).message}). ` +
        "Nothing was executed; retry once the store is available.",
    );

    await unlink(join(directory, "journal", TEMPORARY_DIRECTORY));
    await store.flush();
    store.assertWritable();
    expect((await auditReceiptDirectory(directory, TEST_SECRET)).ok).toBe(true);
  });
});
