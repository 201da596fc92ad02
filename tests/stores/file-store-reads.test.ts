import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildReceipt, CorruptReceiptError, FileReceiptStore, signReceipt } from "enact-sdk";
import { TEST_SECRET } from "../support/context.js";

// Receipt files are created under their final name, so a reader can meet one still being written:
// it reads such a file again, five times over about 30 ms, before calling it corrupt. Each read of a
// receipt file is seen here (and still done), so a test can finish the file between two reads.
const reads = vi.hoisted(() => ({ before: (_path: string): void => undefined }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const readFile = ((path: Parameters<typeof actual.readFile>[0], ...rest: unknown[]) => {
    if (typeof path === "string") reads.before(path);
    return (actual.readFile as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
  }) as typeof actual.readFile;
  return { ...actual, readFile, default: { ...actual, readFile } };
});

afterEach(() => {
  reads.before = () => undefined;
});

async function halfWrittenReceipt() {
  const store = new FileReceiptStore(await mkdtemp(join(tmpdir(), "enact-file-store-reads-")));
  const receipt = signReceipt(buildReceipt({ runId: randomUUID(), workflow: "w1", actorEmail: "a@co.com", payload: {}, policyResults: [], decision: "PASS" }), TEST_SECRET);
  const path = join(store.directory, `${receipt.runId}.json`);
  const text = `${JSON.stringify(receipt, null, 2)}\n`;
  await writeFile(path, text.slice(0, text.length / 2));
  let count = 0;
  return { store, receipt, path, text, readsOf: () => count, countReads: (onRead: (count: number) => void = () => undefined) => {
    reads.before = (read) => {
      if (read !== path) return;
      count += 1;
      onRead(count);
    };
  } };
}

describe("FileReceiptStore reading a receipt file still being written", () => {
  it("reads it whole once its writer finishes during the retries", async () => {
    const file = await halfWrittenReceipt();
    file.countReads((count) => {
      if (count === 4) writeFileSync(file.path, file.text);
    });
    expect(await file.store.load(file.receipt.runId)).toEqual(file.receipt);
    expect(file.readsOf()).toBe(4);
  });

  it("calls it corrupt after five retries when it stays cut short", async () => {
    const file = await halfWrittenReceipt();
    file.countReads();
    await expect(file.store.load(file.receipt.runId)).rejects.toBeInstanceOf(CorruptReceiptError);
    expect(file.readsOf()).toBe(6);
  });
});
