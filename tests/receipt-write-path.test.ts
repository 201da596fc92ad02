import { mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildReceipt, ReceiptExistsError, signReceipt, writeReceipt, type Receipt } from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";
import { writerThreads } from "../src/writer-thread.js";
import { namesLeft } from "./support/temporary.js";

function signed(): Receipt {
  return signReceipt(buildReceipt({ workflow: "w", actorEmail: "a@b.com", payload: {}, policyResults: [], decision: "PASS" }), TEST_SECRET);
}

// writeReceipt no longer calls mkdir on every write; it creates the directory when a write finds it missing.
describe("the receipt write path", () => {
  it("recreates a directory removed after earlier writes", async () => {
    const root = await mkdtemp(join(tmpdir(), "enact-write-"));
    await writeReceipt(signed(), join(root, "receipts"));
    await rm(join(root, "receipts"), { recursive: true });
    const receipt = signed();
    await writeReceipt(receipt, join(root, "receipts"));
    expect(await namesLeft(join(root, "receipts"))).toEqual([`${receipt.runId}.json`]);
  });

  it("writes many receipts concurrently, each exactly once, leaving no temporary file", async () => {
    const directory = join(await mkdtemp(join(tmpdir(), "enact-write-")), "fresh");
    const receipts = Array.from({ length: 50 }, signed);
    await Promise.all(receipts.map((receipt) => writeReceipt(receipt, directory)));
    expect(await namesLeft(directory)).toEqual(receipts.map((r) => `${r.runId}.json`).sort());
  });

  it("never shows a reader part of a receipt while writes are under way", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-write-"));
    let writing = true;
    const reader = (async () => {
      let checked = 0;
      while (writing || checked === 0) {
        for (const name of (await readdir(directory)).filter((n) => n.endsWith(".json"))) {
          const text = await readFile(join(directory, name), "utf8").catch(() => "{}");
          expect(() => JSON.parse(text)).not.toThrow();
          checked += 1;
        }
      }
      return checked;
    })();
    await Promise.all(Array.from({ length: 300 }, () => writeReceipt(signed(), directory)));
    writing = false;
    expect(await reader).toBeGreaterThan(0);
  });

  it("lets exactly one of several concurrent writes of the same run id win", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-write-"));
    const receipt = signed();
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => writeReceipt(receipt, directory)));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(ReceiptExistsError);
    expect(await namesLeft(directory)).toEqual([`${receipt.runId}.json`]);
  });

  // A writer thread opens and closes each temporary file itself: a leak would show as one more
  // open descriptor per write, in this process (threads share its descriptors).
  it.runIf(process.platform === "linux")("leaves no file descriptor open after written and refused writes", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-write-"));
    const first = signed();
    await writeReceipt(first, directory);
    // A writer thread starting now would add descriptors of its own.
    while (writerThreads() === undefined) await new Promise((resolve) => setImmediate(resolve));
    const before = await descriptorTargets();
    for (let n = 0; n < 20; n += 1) await writeReceipt(signed(), directory);
    for (let n = 0; n < 20; n += 1) await expect(writeReceipt(first, directory)).rejects.toBeInstanceOf(ReceiptExistsError);
    expect(await descriptorTargets()).toEqual(before);
  });
});

/** What this process's open descriptors point to (symbolic links in /proc/self/fd), sorted. */
async function descriptorTargets(): Promise<string[]> {
  const names = await readdir("/proc/self/fd");
  const targets = await Promise.all(names.map((name) => readlink(join("/proc/self/fd", name)).catch(() => "")));
  // The listing's own descriptor for /proc/self/fd is gone by the time it is read.
  return targets.filter((target) => target !== "" && !target.startsWith("/proc/")).sort();
}
