import { describe, expect, it } from "vitest";
import type { StoredReceipt } from "../../src/journal/audit.js";
import { ReceiptIndex, type ReceiptSource } from "../../src/ui/receipt-index.js";

let serial = 0;
function receipt(fields: { minute: number; decision?: string; workflow?: string; failed?: string[]; error?: string; actionFailed?: boolean; payload?: object }): StoredReceipt {
  serial += 1;
  const runId = `00000000-0000-4000-8000-${String(serial).padStart(12, "0")}`;
  return {
    runId,
    where: `${runId}.json`,
    value: {
      runId,
      workflow: fields.workflow ?? "send_invoice",
      actorEmail: "agent@co.com",
      payload: fields.payload ?? {},
      policyResults: (fields.failed ?? []).map((policy) => ({ policy, passed: false, reason: `${policy} said no` })),
      decision: fields.decision ?? "PASS",
      actionsTaken: fields.actionFailed === true ? [{ system: "crm", action: "upsert", success: false, output: {} }] : [],
      timestamp: new Date(Date.UTC(2026, 10, 1, 12, fields.minute)).toISOString(),
      signature: "",
      ...(fields.error === undefined ? {} : { error: fields.error }),
    },
  };
}

/** A source in memory that counts how many receipts it was asked to read. */
function source(receipts: StoredReceipt[]): ReceiptSource & { reads: number; add(stored: StoredReceipt): void } {
  const byId = new Map(receipts.map((stored) => [stored.runId, stored]));
  return {
    reads: 0,
    add(stored) {
      byId.set(stored.runId, stored);
    },
    async runIds() {
      return [...byId.keys()];
    },
    async read(runId) {
      this.reads += 1;
      return byId.get(runId);
    },
  };
}

const all = { page: 0, pageSize: 100 };

describe("the page's receipt index", () => {
  it("pages newest first, with files that are not receipts listed last as UNREADABLE", async () => {
    const broken: StoredReceipt = { runId: "ffffffff-0000-4000-8000-000000000000", where: "x.json", error: "is not valid JSON" };
    const [a, b, c] = [receipt({ minute: 1 }), receipt({ minute: 3 }), receipt({ minute: 2 })];
    const index = new ReceiptIndex(source([a, b, c, broken] as StoredReceipt[]));
    await index.refresh();
    expect(index.page(all).entries.map((entry) => entry.runId)).toEqual([b?.runId, c?.runId, a?.runId, broken.runId]);
    expect(index.page(all).entries.at(-1)?.decision).toBe("UNREADABLE");
    expect(index.page({ page: 1, pageSize: 3 })).toMatchObject({ total: 4, entries: [{ runId: broken.runId }] });
  });

  it("parses only receipts it has not seen when it refreshes", async () => {
    const store = source([receipt({ minute: 1 }), receipt({ minute: 2 })]);
    const index = new ReceiptIndex(store);
    await index.refresh();
    store.add(receipt({ minute: 3 }));
    await index.refresh();
    expect(store.reads).toBe(3);
    expect(index.size).toBe(3);
  });

  it("filters FAILED as a run that threw or whose action failed, whatever its decision", async () => {
    const threw = receipt({ minute: 1, error: "boom" });
    const actionFailed = receipt({ minute: 2, actionFailed: true });
    const index = new ReceiptIndex(source([threw, actionFailed, receipt({ minute: 3 })]));
    await index.refresh();
    expect(new Set(index.page({ ...all, decision: "FAILED" }).entries.map((entry) => entry.runId))).toEqual(new Set([threw.runId, actionFailed.runId]));
  });

  it("finds text in policy reasons and the payload, whatever its case", async () => {
    const reason = receipt({ minute: 1, decision: "BLOCK", failed: ["no_free_mail"] });
    const payload = receipt({ minute: 2, payload: { customer: "Jane@Acme.com" } });
    const index = new ReceiptIndex(source([reason, payload, receipt({ minute: 3 })]));
    await index.refresh();
    expect(index.page({ ...all, text: "NO_FREE_MAIL SAID" }).entries.map((entry) => entry.runId)).toEqual([reason.runId]);
    expect(index.page({ ...all, text: "jane@acme" }).entries.map((entry) => entry.runId)).toEqual([payload.runId]);
  });

  it("counts the policies that block, in blocked receipts only, most often first", async () => {
    const index = new ReceiptIndex(
      source([
        receipt({ minute: 1, decision: "BLOCK", failed: ["max_amount", "no_free_mail"] }),
        receipt({ minute: 2, decision: "BLOCK", failed: ["no_free_mail"] }),
        receipt({ minute: 3, decision: "PENDING_APPROVAL", failed: ["large_refund"] }),
      ]),
    );
    await index.refresh();
    expect(index.stats({}).topBlocking).toEqual([
      { policy: "no_free_mail", count: 2 },
      { policy: "max_amount", count: 1 },
    ]);
  });

  it("puts every receipt of a selection in exactly one time bucket", async () => {
    const index = new ReceiptIndex(source(Array.from({ length: 40 }, (_, minute) => receipt({ minute: minute * 7, decision: minute % 3 === 0 ? "BLOCK" : "PASS" }))));
    await index.refresh();
    const { buckets, bucketMs } = index.stats({});
    expect(bucketMs).toBeGreaterThan(0);
    expect(buckets.reduce((sum, bucket) => sum + Object.values(bucket.counts).reduce((a, n) => a + n, 0), 0)).toBe(40);
    expect(buckets.reduce((sum, bucket) => sum + (bucket.counts.BLOCK ?? 0), 0)).toBe(14);
  });
});
