import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FileReceiptStore, ReceiptExistsError } from "enact-sdk";
import { createInline, noteInlineCreate, takeInlineTurn } from "../src/inline-create.js";
import { createReceiptFileInline, receiptText } from "../src/receipt-file.js";
import { makeReceipt } from "./support/cli.js";

const tempRoot = (): Promise<string> => mkdtemp(join(tmpdir(), "enact-inline-"));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe("receipt files created on the event loop's thread", () => {
  it("are one per turn of the event loop: the rest of that turn's files go to the writer threads", async () => {
    await nextTurn();
    await nextTurn();
    expect(takeInlineTurn()).toBe(true);
    expect(takeInlineTurn()).toBe(false);
    await nextTurn();
    // The turn before asked for two: runs come concurrently, so this turn's first goes to a thread too.
    expect(takeInlineTurn()).toBe(false);
    await nextTurn();
    // One in the turn before: runs one at a time again.
    expect(takeInlineTurn()).toBe(true);
  });

  // Before any test that creates a file inline: under load one can take over 2 ms, which pauses them.
  it("include a file store's lone receipt, which is on disk before write() first yields", async () => {
    const directory = await tempRoot();
    const store = new FileReceiptStore(directory, { secret: "inline-create-test-secret-0123456789abcdef" });
    const receipt = makeReceipt();
    await nextTurn();
    const written = store.write(receipt);
    expect(existsSync(join(directory, `${receipt.runId}.json`))).toBe(true);
    await written;
    await store.flush();
  });

  it("are created exclusively, with their directory when it is missing", async () => {
    const path = join(await tempRoot(), "nested", "a.json");
    await createInline(path, "first");
    await expect(createInline(path, "second")).rejects.toMatchObject({ code: "EEXIST", syscall: "open" });
    expect(await readFile(path, "utf8")).toBe("first");
  });

  it("refuse a receipt whose name is taken as ReceiptExistsError, the file untouched", async () => {
    const directory = await tempRoot();
    const receipt = makeReceipt();
    const path = join(directory, `${receipt.runId}.json`);
    await writeFile(path, "someone else's");
    await expect(createReceiptFileInline(receiptText(receipt), path)).rejects.toBeInstanceOf(ReceiptExistsError);
    expect(await readFile(path, "utf8")).toBe("someone else's");
  });

  it("go on after one slow one, or slow ones with a fast one between: the thread was held up, not the disk", async () => {
    vi.useFakeTimers({ toFake: ["performance"], now: 0 });
    await nextTurn();
    noteInlineCreate(performance.now(), performance.now() + 5);
    expect(takeInlineTurn()).toBe(true);
    await nextTurn();
    noteInlineCreate(performance.now(), performance.now() + 0.05);
    noteInlineCreate(performance.now(), performance.now() + 5);
    expect(takeInlineTurn()).toBe(true);
    // Leaves no slow create counted for the test after it.
    noteInlineCreate(performance.now(), performance.now() + 0.05);
  });

  // Last: it leaves inline creates paused on the fake clock.
  it("stop for a second after two slow ones in a row, so a slow disk holds up only the runs that wait for it", async () => {
    vi.useFakeTimers({ toFake: ["performance"], now: 0 });
    await nextTurn();
    noteInlineCreate(performance.now(), performance.now() + 5);
    noteInlineCreate(performance.now(), performance.now() + 5);
    expect(takeInlineTurn()).toBe(false);
    vi.advanceTimersByTime(1_006);
    await nextTurn();
    expect(takeInlineTurn()).toBe(true);
  });
});
