import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildReceipt, ReceiptExistsError, signReceipt, writeReceipt, type Receipt } from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";

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
    expect(await readdir(join(root, "receipts"))).toEqual([`${receipt.runId}.json`]);
  });

  it("writes many receipts concurrently, each exactly once, leaving no temporary file", async () => {
    const directory = join(await mkdtemp(join(tmpdir(), "enact-write-")), "fresh");
    const receipts = Array.from({ length: 50 }, signed);
    await Promise.all(receipts.map((receipt) => writeReceipt(receipt, directory)));
    expect((await readdir(directory)).sort()).toEqual(receipts.map((r) => `${r.runId}.json`).sort());
  });

  it("lets exactly one of several concurrent writes of the same run id win", async () => {
    const directory = await mkdtemp(join(tmpdir(), "enact-write-"));
    const receipt = signed();
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => writeReceipt(receipt, directory)));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(ReceiptExistsError);
    expect(await readdir(directory)).toEqual([`${receipt.runId}.json`]);
  });
});
