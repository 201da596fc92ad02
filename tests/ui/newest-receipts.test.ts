import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StoredReceipt } from "../../src/journal/audit.js";
import { FILE_TIME_SLACK_MS, newestReceipts, pickNewest } from "../../src/ui/newest-receipts.js";
import { ReceiptIndex, directorySource } from "../../src/ui/receipt-index.js";
import { agentOn } from "./ui-fixture.js";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 1, 12, 0);

function stored(serial: number, time: number | undefined): StoredReceipt {
  const runId = `00000000-0000-4000-8000-${String(serial).padStart(12, "0")}`;
  if (time === undefined) return { runId, where: `${runId}.json`, error: "is not valid JSON" };
  return { runId, where: `${runId}.json`, value: { runId, workflow: "w", actorEmail: "a@co.com", decision: "PASS", timestamp: new Date(time).toISOString(), policyResults: [], actionsTaken: [] } };
}

/** `count` receipts stamped a minute apart, each file written `lagMs` after its stamp, newest-modified first. */
function store(count: number, lagMs = 5) {
  const receipts = Array.from({ length: count }, (_, index) => stored(index + 1, T0 + index * MINUTE));
  const byId = new Map(receipts.map((receipt) => [receipt.runId, receipt]));
  const files = receipts.map((receipt, index) => ({ runId: receipt.runId, modified: T0 + index * MINUTE + lagMs })).reverse();
  let reads = 0;
  const read = (runId: string): StoredReceipt => {
    reads += 1;
    return byId.get(runId) as StoredReceipt;
  };
  return { receipts, files, read, reads: () => reads };
}

const ids = (entries: readonly { runId: string }[]): string[] => entries.map((entry) => entry.runId);

describe("the first page before the index is built", () => {
  it("reads only the newest files when their times rule the rest out, and finds the same page a full sort does", () => {
    const { receipts, files, read, reads } = store(1_000);
    const picked = pickNewest(files, 50, read, files.length);
    expect(ids(picked.entries)).toEqual(ids(receipts.slice(-50).reverse()));
    expect(picked.total).toBe(1_000);
    expect(reads()).toBeLessThan(60);
  });

  it("reads every file when the times say nothing (a store copied without them), and is still exact", () => {
    const { receipts, files, read, reads } = store(300);
    const copied = files.map((file) => ({ ...file, modified: T0 + 1_000 * MINUTE }));
    const shuffled = [...copied].sort((a, b) => (a.runId < b.runId ? 1 : -1));
    const picked = pickNewest(shuffled, 20, read, copied.length);
    expect(ids(picked.entries)).toEqual(ids(receipts.slice(-20).reverse()));
    expect(reads()).toBe(300);
  });

  it("still finds a receipt stamped up to the slack after its file's time (a coarse or lagging file clock)", () => {
    const { files, read } = store(200);
    const late = stored(999, T0 + 150 * MINUTE);
    // Its file's time is far back, but within the slack of its stamp.
    const lateFile = { runId: late.runId, modified: late.value === undefined ? 0 : T0 + 150 * MINUTE - FILE_TIME_SLACK_MS + 1 };
    const all = [...files, lateFile].sort((a, b) => b.modified - a.modified);
    const picked = pickNewest(all, 60, (runId) => (runId === late.runId ? late : read(runId)), all.length);
    expect(ids(picked.entries)).toContain(late.runId);
  });

  it("fills the page with unreadable files last, only when fewer receipts than the page have a time", () => {
    const { files, read } = store(3);
    const broken = stored(500, undefined);
    const all = [{ runId: broken.runId, modified: T0 + 10 * MINUTE }, ...files];
    const lookup = (runId: string): StoredReceipt => (runId === broken.runId ? broken : read(runId));
    expect(pickNewest(all, 10, lookup, all.length).entries.map((entry) => entry.decision)).toEqual(["PASS", "PASS", "PASS", "UNREADABLE"]);
    expect(ids(pickNewest(all, 2, lookup, all.length).entries)).not.toContain(broken.runId);
  });
});

describe("newestReceipts on a receipt directory", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("gives the page the full index gives, on receipts written by a client", async () => {
    const dir = await mkdtemp(join(tmpdir(), "enact-newest-"));
    dirs.push(dir);
    const agent = agentOn(dir);
    for (let amount = 1; amount <= 30; amount += 1) await agent.enact.run(agent.invoice(amount));
    await agent.enact.flush();
    const index = new ReceiptIndex(directorySource(dir));
    await index.refresh();
    const early = await newestReceipts(dir, 10);
    expect(ids(early.entries)).toEqual(ids(index.page({ page: 0, pageSize: 10 }).entries));
    expect(early.total).toBe(30);
  });

  it("finds a receipt whose file time was set back, when its stamp is within the slack", async () => {
    const dir = await mkdtemp(join(tmpdir(), "enact-newest-"));
    dirs.push(dir);
    const agent = agentOn(dir);
    const runIds: string[] = [];
    for (let amount = 1; amount <= 5; amount += 1) runIds.push((await agent.enact.run(agent.invoice(amount)))[1].runId);
    await agent.enact.flush();
    // Runs a moment apart can share a millisecond: the index's own order says which is newest.
    const index = new ReceiptIndex(directorySource(dir));
    await index.refresh();
    const newest = index.page({ page: 0, pageSize: 1 }).entries[0]?.runId as string;
    const path = join(dir, `${newest}.json`);
    const stamp = Date.parse((JSON.parse(await readFile(path, "utf8")) as { timestamp: string }).timestamp);
    // Every other file dated an hour later: only the slack keeps the newest receipt in reach.
    for (const runId of runIds.filter((id) => id !== newest)) await utimes(join(dir, `${runId}.json`), new Date(stamp + 3_600_000), new Date(stamp + 3_600_000));
    await utimes(path, new Date(stamp - FILE_TIME_SLACK_MS / 2), new Date(stamp - FILE_TIME_SLACK_MS / 2));
    expect(ids((await newestReceipts(dir, 1)).entries)).toEqual([newest]);
  });

  it("lists a file named like a receipt that is not one, as the index does", async () => {
    const dir = await mkdtemp(join(tmpdir(), "enact-newest-"));
    dirs.push(dir);
    await writeFile(join(dir, "00000000-0000-4000-8000-000000000001.json"), "{ not json");
    const early = await newestReceipts(dir, 5);
    expect(early.entries.map((entry) => entry.decision)).toEqual(["UNREADABLE"]);
  });
});
