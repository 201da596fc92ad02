import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileReceiptStore, type Receipt } from "enact-sdk";
import { readWriteAheadLogs } from "../../src/journal/write-ahead-log.js";
import { writerThreads } from "../../src/writer-thread.js";
import { makeReceipt } from "../support/cli.js";

/**
 * Blocks this thread, so that the event loop's turn cannot end, until `done()` or 10 s: what
 * happens meanwhile happens on other threads, within this very turn.
 */
function blockUntil(done: () => boolean): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + 10_000; !done() && Date.now() < deadline; ) Atomics.wait(pause, 0, 0, 1);
}

describe("FileReceiptStore's hand-over of concurrent receipts to the writer threads", () => {
  it("hands the files of a turn over as every eighth is asked for, before the turn ends", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-handover-"));
    const store = new FileReceiptStore(directory, { secret: "handover-test-secret-0123456789abcdef-0123" });
    // Writer threads online, as in a process that has been writing for a while (the first call starts one).
    while (writerThreads() === undefined) await new Promise((resolve) => setImmediate(resolve));

    const receipts = Array.from({ length: 9 }, () => makeReceipt());
    const writes = receipts.map((receipt) => store.write(receipt));
    // Eight went over together; the ninth too if the first was created inline (see takeInlineTurn).
    const stored = (): number => receipts.filter((receipt) => existsSync(join(directory, `${receipt.runId}.json`))).length;
    blockUntil(() => stored() >= 8);
    expect(stored()).toBeGreaterThanOrEqual(8);
    await Promise.all(writes);
    expect(stored()).toBe(9);
  });

  it("fails alone a receipt JSON cannot hold, before its write-ahead line: the other files of its hand-over are stored", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-handover-"));
    const store = new FileReceiptStore(directory, { secret: "handover-test-secret-0123456789abcdef-0123" });
    while (writerThreads() === undefined) await new Promise((resolve) => setImmediate(resolve));

    const good = Array.from({ length: 8 }, () => makeReceipt());
    // Only a direct store.write can pass one: a client makes every receipt JSON-safe before signing.
    const unwritable = { ...makeReceipt(), payload: { amount: 10n } } as unknown as Receipt;
    const writes = [...good.slice(0, 4), unwritable, ...good.slice(4)].map((receipt) =>
      store.write(receipt, receipt === unwritable ? JSON.stringify({ ...receipt, payload: {} }) : undefined),
    );
    const outcomes = await Promise.allSettled(writes);

    expect(outcomes[4]).toMatchObject({ status: "rejected", reason: expect.any(TypeError) });
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(8);
    for (const receipt of good) expect(await store.load(receipt.runId)).toEqual(receipt);
    expect(existsSync(join(directory, `${unwritable.runId}.json`))).toBe(false);
    // Nothing of it is in the log either: no interrupted write for verify to report or settle to store.
    expect(readWriteAheadLogs(directory).records.map((record) => record.runId)).not.toContain(unwritable.runId);
  });

  it("lets the event loop turn while runs in flight are answered: no more receipts stored between two turns than are in flight", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-handover-"));
    const store = new FileReceiptStore(directory, { secret: "handover-test-secret-0123456789abcdef-0123" });
    // A callback that counts the receipts stored since it last ran, once per turn of the event loop.
    let stored = 0;
    let mostInOneTurn = 0;
    let running = true;
    let storedAtLastTurn = 0;
    const turn = (): void => {
      mostInOneTurn = Math.max(mostInOneTurn, stored - storedAtLastTurn);
      storedAtLastTurn = stored;
      if (running) setImmediate(turn);
    };
    setImmediate(turn);
    // 64 runs in flight: each writes its next receipt after 40 µs of work of its own, as a run does.
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let n = 0; n < 60; n += 1) {
          for (const until = performance.now() + 0.04; performance.now() < until; );
          await store.write(makeReceipt());
          stored += 1;
        }
      }),
    );
    running = false;
    // Files are answered to the event loop's thread in its check phase, those that arrived meanwhile
    // together: a turn settles at most one answer per file in flight (twice that across the
    // callback's place in the turn). Settled as they arrived, runs handing new files over kept
    // Node reading answers for thousands of receipts without a turn (340 ms).
    expect(mostInOneTurn).toBeLessThanOrEqual(128);
  });
});
