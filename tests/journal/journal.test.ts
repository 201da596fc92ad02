import { createHmac } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { canonicalJson, ConfigurationError, defineWorkflow, EnactClient, FileReceiptStore, StoreUnavailableError, verifySignature } from "enact-sdk";
import { auditReceiptDirectory } from "../../src/journal/file-source.js";
import { JournalDamagedError } from "../../src/journal/errors.js";
import { JOURNAL_DIRECTORY } from "../../src/journal/file-journal.js";
import { JournalKey } from "../../src/journal/key.js";
import { CLI_SECRET, fillStore, makeReceipt, ROOT, runNode, segments, tempDirectory, TSX } from "../support/cli.js";
import { runInLockstep } from "../support/lockstep.js";
import { temporaryFiles } from "../support/temporary.js";

const noop = defineWorkflow("noop", async () => []);

describe("FileReceiptStore's journal", () => {
  it("keeps one unbroken chain under 300 concurrent runs of one client, batching entries", async () => {
    const directory = await tempDirectory();
    const enact = new EnactClient({ secret: CLI_SECRET, receiptDir: directory, workflows: [noop] });
    await Promise.all(Array.from({ length: 300 }, () => enact.run({ workflow: "noop", actorEmail: "a@b.com" })));
    await enact.flush();
    const report = await auditReceiptDirectory(directory, CLI_SECRET);
    expect(report).toMatchObject({ ok: true, counts: { receipts: 300, valid: 300 }, journal: { entries: 300, problems: [] } });
    expect((await segments(directory)).length).toBeLessThan(300);
  });

  it("keeps one unbroken chain when two stores in one process write to the same directory at once", async () => {
    const directory = await tempDirectory();
    const stores = [new FileReceiptStore(directory, { secret: CLI_SECRET }), new FileReceiptStore(directory, { secret: CLI_SECRET })];
    await Promise.all(Array.from({ length: 200 }, (_, i) => (stores[i % 2] as FileReceiptStore).write(makeReceipt())));
    await Promise.all(stores.map((store) => store.flush()));
    const report = await auditReceiptDirectory(directory, CLI_SECRET);
    expect(report).toMatchObject({ ok: true, counts: { valid: 200 }, journal: { entries: 200, problems: [] } });
  });

  it("keeps one unbroken chain when three processes write to the same directory at once", { timeout: 60_000 }, async () => {
    const directory = await tempDirectory();
    const writer = join(ROOT, "tests/support/journal-writer.ts");
    const results = await runInLockstep([1, 2, 3].map(() => ["--import", TSX, writer, directory, "200"]), 200);
    expect(results.map((result) => [result.code, result.stderr])).toEqual([[0, ""], [0, ""], [0, ""]]);
    const report = await auditReceiptDirectory(directory, CLI_SECRET);
    expect(report).toMatchObject({ ok: true, counts: { receipts: 600, valid: 600 }, journal: { entries: 600, head: { seq: 599 }, problems: [] } });
    // The writers really raced: each round of the lockstep put one entry of each into the chain.
    const writers: unknown[] = [];
    for (const path of await segments(directory)) {
      for (const line of (await readFile(path, "utf8")).trimEnd().split("\n")) {
        const { runId } = JSON.parse(line) as { runId: string };
        writers.push((JSON.parse(await readFile(join(directory, `${runId}.json`), "utf8")) as { payload: { pid: unknown } }).payload.pid);
      }
    }
    const writersPerRound = Array.from({ length: 200 }, (_, round) => new Set(writers.slice(3 * round, 3 * round + 3)).size);
    expect(writersPerRound).toEqual(Array.from({ length: 200 }, () => 3));
  });

  it("gathers the entries written within one interval into one segment", async () => {
    const directory = await tempDirectory();
    const store = new FileReceiptStore(directory, { secret: CLI_SECRET, journalIntervalMs: 60_000 });
    for (let n = 0; n < 5; n += 1) await store.write(makeReceipt());
    // flush() writes the pending segment at once rather than after the 60 s interval.
    await store.flush();
    const [only, ...others] = await segments(directory);
    expect(others).toEqual([]);
    expect((await readFile(only as string, "utf8")).trimEnd().split("\n")).toHaveLength(5);
  });

  it("journals what a process wrote when it ends on its own, without flush()", async () => {
    const directory = await tempDirectory();
    const result = await runNode(["--import", TSX, join(ROOT, "tests/support/write-and-exit.ts"), directory, "3"]);
    expect([result.code, result.stderr]).toEqual([0, ""]);
    const report = await auditReceiptDirectory(directory, CLI_SECRET);
    expect(report).toMatchObject({ ok: true, counts: { receipts: 3, valid: 3 }, journal: { entries: 3, problems: [] } });
    // Nor does it leave a temporary file, of a receipt or of a journal segment.
    expect([...(await temporaryFiles(directory)), ...(await temporaryFiles(join(directory, JOURNAL_DIRECTORY)))]).toEqual([]);
  });

  it("continues the chain of an existing journal from a new store", async () => {
    const directory = await tempDirectory();
    await fillStore(directory, 3);
    const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
    await store.write(makeReceipt());
    await store.flush();
    expect((await auditReceiptDirectory(directory, CLI_SECRET)).journal).toMatchObject({ entries: 4, head: { seq: 3 }, problems: [] });
  });

  it("refuses to write without a journal key, and writes nothing", async () => {
    const directory = await tempDirectory();
    const store = new FileReceiptStore(directory);
    await expect(store.write(makeReceipt())).rejects.toBeInstanceOf(ConfigurationError);
    expect(await store.list()).toEqual([]);
  });

  it("takes its key from the EnactClient it is handed to", async () => {
    const directory = await tempDirectory();
    const enact = new EnactClient({ secret: CLI_SECRET, receiptStore: new FileReceiptStore(directory), workflows: [noop] });
    await enact.run({ workflow: "noop", actorEmail: "a@b.com" });
    await enact.flush();
    expect(await auditReceiptDirectory(directory, CLI_SECRET)).toMatchObject({ ok: true, counts: { valid: 1 } });
  });

  it("refuses to be attached to a client with another secret", async () => {
    const store = new FileReceiptStore(await tempDirectory(), { secret: CLI_SECRET });
    expect(() => store.attachJournal(JournalKey.fromSecret(CLI_SECRET))).not.toThrow();
    expect(() => new EnactClient({ secret: "another-secret-0123456789abcdef-012345", receiptStore: store })).toThrow(/another secret/);
  });

  it("never shows the secret or the journal key in JSON or inspect output", async () => {
    const store = new FileReceiptStore(await tempDirectory(), { secret: CLI_SECRET });
    const derived = createHmac("sha256", CLI_SECRET).update("enact-sdk journal v1").digest("hex");
    for (const text of [JSON.stringify(store), inspect(store, { showHidden: true, depth: 5 }), inspect(JournalKey.fromSecret(CLI_SECRET))]) {
      expect(text).not.toContain(CLI_SECRET);
      expect(text).not.toContain(derived);
    }
  });

  /** A store over a journal whose newest entry was edited, and that entry's segment. */
  async function storeOnDamagedJournal(): Promise<{ store: FileReceiptStore; newest: string }> {
    const directory = await tempDirectory();
    await fillStore(directory, 2, 1);
    const newest = (await segments(directory)).at(-1) as string;
    await writeFile(newest, (await readFile(newest, "utf8")).replace(/"seq":1/, '"seq":5'));
    return { store: new FileReceiptStore(directory, { secret: CLI_SECRET }), newest };
  }

  it("refuses to chain onto a newest entry that is not authentic", async () => {
    const { store, newest } = await storeOnDamagedJournal();
    await store.write(makeReceipt());
    await expect(store.flush()).rejects.toBeInstanceOf(JournalDamagedError);
    expect((await segments(store.directory)).at(-1)).toBe(newest);
  });

  it("never refuses a receipt because the journal could not record an earlier one", async () => {
    const { store } = await storeOnDamagedJournal();
    await store.write(makeReceipt());
    await expect(store.flush()).rejects.toBeInstanceOf(JournalDamagedError);
    const later = makeReceipt();
    await expect(store.write(later)).resolves.toContain(later.runId);
    expect(await store.load(later.runId)).toEqual(later);
  });

  it("refuses new runs before their workflow executes while the journal cannot be written", async () => {
    const { store } = await storeOnDamagedJournal();
    let executed = 0;
    const counted = defineWorkflow("counted", async () => {
      executed += 1;
      return [];
    });
    const enact = new EnactClient({ secret: CLI_SECRET, receiptStore: store, workflows: [counted] });
    await enact.run({ workflow: "counted", actorEmail: "a@b.com" });
    await expect(enact.flush()).rejects.toBeInstanceOf(JournalDamagedError);
    await expect(enact.run({ workflow: "counted", actorEmail: "a@b.com" })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(executed).toBe(1);
  });

  it("chains the entries it could not write once the journal can be written again", async () => {
    const { store, newest } = await storeOnDamagedJournal();
    await store.write(makeReceipt());
    await expect(store.flush()).rejects.toBeInstanceOf(JournalDamagedError);
    // Undo the damage storeOnDamagedJournal did.
    await writeFile(newest, (await readFile(newest, "utf8")).replace(/"seq":5/, '"seq":1'));
    await store.flush();
    expect(() => store.assertWritable()).not.toThrow();
    expect(await auditReceiptDirectory(store.directory, CLI_SECRET)).toMatchObject({ ok: true, counts: { receipts: 3, valid: 3 } });
  });

  it("writes entries any verifier can check: HMAC(HMAC(secret, label), RFC 8785 of the entry without mac)", async () => {
    const directory = await tempDirectory();
    const [receipt] = await fillStore(directory, 1);
    const line = (await readFile((await segments(directory))[0] as string, "utf8")).trimEnd();
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(entry)).toEqual(["v", "seq", "runId", "signature", "prev", "mac"]);
    expect(entry).toMatchObject({ v: 1, seq: 0, runId: receipt?.runId, signature: receipt?.signature, prev: "0".repeat(64) });
    const { mac, ...sealed } = entry;
    const key = createHmac("sha256", CLI_SECRET).update("enact-sdk journal v1").digest();
    expect(mac).toBe(createHmac("sha256", key).update(canonicalJson(sealed)).digest("hex"));
    // A journal MAC is never a valid receipt signature: the key is different.
    expect(verifySignature({ ...sealed, signature: mac }, CLI_SECRET)).toBe(false);
  });
});
