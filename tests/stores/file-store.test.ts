import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { buildReceipt, CorruptReceiptError, FileReceiptStore, signReceipt, verifySignature, type Receipt } from "enact-sdk";
import { TEST_SECRET } from "../support/context.js";

let store: FileReceiptStore;
beforeEach(async () => {
  store = new FileReceiptStore(await mkdtemp(join(tmpdir(), "enact-file-store-")), { secret: TEST_SECRET });
});

function receipt(overrides: { workflow?: string; actorEmail?: string; decision?: "PASS" | "BLOCK"; timestamp?: string } = {}): Receipt {
  const built = buildReceipt({
    workflow: overrides.workflow ?? "w1",
    actorEmail: overrides.actorEmail ?? "a@co.com",
    payload: { at: new Date(0) },
    policyResults: [],
    decision: overrides.decision ?? "PASS",
  });
  return signReceipt({ ...built, timestamp: overrides.timestamp ?? built.timestamp }, TEST_SECRET);
}

describe("FileReceiptStore", () => {
  it("loads a written receipt that still verifies", async () => {
    const written = receipt();
    await store.write(written);
    const loaded = await store.load(written.runId);
    expect(loaded).toEqual(written);
    expect(verifySignature(loaded, TEST_SECRET)).toBe(true);
  });

  it("answers undefined for an unknown run id, or one that is not a run id", async () => {
    expect(await store.load("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    expect(await store.load("../../etc/passwd")).toBeUndefined();
  });

  it("lists nothing for a directory that does not exist yet", async () => {
    expect(await new FileReceiptStore(join(store.directory, "missing")).list()).toEqual([]);
  });

  it("filters by workflow, actor, decision and time range, oldest first, ignoring claims and other files", async () => {
    const a = receipt({ workflow: "w1", actorEmail: "a@co.com", timestamp: "2026-01-01T00:00:00.000Z" });
    const b = receipt({ workflow: "w1", actorEmail: "b@co.com", decision: "BLOCK", timestamp: "2026-01-02T00:00:00.000Z" });
    const c = receipt({ workflow: "w2", actorEmail: "a@co.com", timestamp: "2026-01-03T00:00:00.000Z" });
    for (const r of [c, a, b]) await store.write(r);
    await store.claim({ key: "k", fingerprint: "f", workflow: "w1", actorEmail: "a@co.com", payload: {}, runId: a.runId, state: "claimed", owner: "h:1", claimedAt: "", updatedAt: "" });
    await writeFile(join(store.directory, "notes.txt"), "not a receipt");
    const ids = async (filter?: Parameters<FileReceiptStore["list"]>[0]) => (await store.list(filter)).map((r) => r.runId);
    expect(await ids()).toEqual([a.runId, b.runId, c.runId]);
    expect(await ids({ workflow: "w1" })).toEqual([a.runId, b.runId]);
    expect(await ids({ actorEmail: "a@co.com" })).toEqual([a.runId, c.runId]);
    expect(await ids({ decision: "BLOCK" })).toEqual([b.runId]);
    expect(await ids({ since: new Date("2026-01-02T00:00:00Z"), until: new Date("2026-01-03T00:00:00Z") })).toEqual([b.runId]);
  });

  it("names a truncated receipt file instead of failing with a bare parse error", async () => {
    const written = receipt();
    const path = await store.write(written);
    await writeFile(path, '{"runId": "');
    await expect(store.load(written.runId)).rejects.toBeInstanceOf(CorruptReceiptError);
    await expect(store.list()).rejects.toThrow(path);
  });
});
