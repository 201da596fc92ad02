import { describe, expect, it } from "vitest";
import { MemoryReceiptStore, type ReceiptStore } from "enact-sdk";
import { ApprovalDesk } from "../../src/approvals/desk.js";
import { ControlSigner } from "../../src/approvals/records.js";
import { TEST_SECRET } from "../support/context.js";

const AGENT = "billing-agent@co.com";
const APPROVER = "controller@co.com";
const START = Date.parse("2026-12-06T12:00:00.000Z");
const TTL = 60_000;
const DIGEST = "a".repeat(64);

function desk(options: { store?: ReceiptStore; approvers?: string[] } = {}) {
  const store = options.store ?? new MemoryReceiptStore();
  const clock = { now: START };
  const signer = new ControlSigner(TEST_SECRET);
  const approvals = new ApprovalDesk(store, signer, { approvers: options.approvers ?? [APPROVER], ttlMs: TTL, now: () => clock.now });
  const ask = () => approvals.request({ workflow: "send_invoice", actorEmail: AGENT, payload: { amount: 900 }, digest: DIGEST, reasons: ["large_refund: big"], runId: "run-1" });
  return { store, clock, signer, approvals, ask };
}

describe("ApprovalDesk.request", () => {
  it("answers with the id, the digest and an expiry ttlMs from now", async () => {
    const { ask } = desk();
    const made = await ask();
    expect(made).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), digest: DIGEST, expiresAt: new Date(START + TTL).toISOString() });
  });

  it("refuses to overwrite a request whose id is already taken", async () => {
    const store = new MemoryReceiptStore();
    store.putApprovalStage = async () => false;
    const { ask } = desk({ store });
    await expect(ask()).rejects.toThrow(/^Approval id .* already exists$/);
  });
});

describe("ApprovalDesk.decide", () => {
  it("lets the person who made the request deny it (only approving one's own request is refused)", async () => {
    const { approvals, ask } = desk({ approvers: [AGENT] });
    const { id } = await ask();
    await expect(approvals.decide(id, "denied", { approver: AGENT })).resolves.toMatchObject({ decision: "denied", approver: AGENT });
  });

  it("records a note and a reason only when given, as text", async () => {
    const { approvals, ask } = desk();
    const plain = await approvals.decide((await ask()).id, "approved", { approver: APPROVER });
    expect(plain).not.toHaveProperty("note");
    expect(plain).not.toHaveProperty("reason");
    const annotated = await approvals.decide((await ask()).id, "denied", { approver: APPROVER, note: 7 as unknown as string, reason: "no" });
    expect(annotated).toMatchObject({ note: "7", reason: "no", decidedAt: new Date(START).toISOString() });
  });

  it("refuses as decided when the store already holds a decision written by a racing call", async () => {
    const store = new MemoryReceiptStore();
    const { approvals, ask } = desk({ store });
    const { id } = await ask();
    const put = store.putApprovalStage.bind(store);
    store.putApprovalStage = async (key, stage, json) => (stage === "decision" ? false : put(key, stage, json));
    await expect(approvals.decide(id, "approved", { approver: APPROVER })).rejects.toMatchObject({ reason: "decided", message: `Approval request ${id}: it was already decided.` });
  });

  it("says why it refuses a decision, in the error's message", async () => {
    const { approvals, ask, clock } = desk({ approvers: [APPROVER, AGENT] });
    const unknown = "22222222-2222-4222-8222-222222222222";
    await expect(approvals.decide(unknown, "approved", { approver: APPROVER })).rejects.toThrow(`Approval request ${unknown}: no such request (or its record does not verify).`);
    const { id, expiresAt } = await ask();
    await expect(approvals.decide(id, "approved", { approver: "mallory@co.com" })).rejects.toThrow(`Approval request ${id}: mallory@co.com is not one of the client's approvers.`);
    await expect(approvals.decide(id, "approved", { approver: AGENT })).rejects.toThrow(`Approval request ${id}: ${AGENT} made this request and cannot approve it.`);
    clock.now = START + TTL;
    await expect(approvals.decide(id, "approved", { approver: APPROVER })).rejects.toThrow(`Approval request ${id}: it expired at ${expiresAt}.`);
  });

  it("refuses a second decision as decided, even once the request has expired", async () => {
    const { approvals, ask, clock } = desk();
    const { id } = await ask();
    await approvals.decide(id, "denied", { approver: APPROVER });
    clock.now = START + TTL;
    await expect(approvals.decide(id, "approved", { approver: APPROVER })).rejects.toThrow(`Approval request ${id}: it was already decided.`);
  });

  it("decides a request up to the last millisecond before it expires", async () => {
    const { approvals, ask, clock } = desk();
    const { id } = await ask();
    clock.now = START + TTL - 1;
    await expect(approvals.decide(id, "approved", { approver: APPROVER })).resolves.toMatchObject({ decision: "approved" });
  });
});

describe("ApprovalDesk.pending", () => {
  it("lists requests oldest first, whatever order the store keeps them in", async () => {
    const { approvals, ask, clock } = desk();
    clock.now = START + 2000;
    const later = await ask();
    clock.now = START;
    const earlier = await ask();
    clock.now = START + 1000;
    const middle = await ask();
    expect((await approvals.pending()).map((request) => request.id)).toEqual([earlier.id, middle.id, later.id]);
  });

  it("lists a request without its kind and signature", async () => {
    const { approvals, ask } = desk();
    const { id } = await ask();
    expect(await approvals.pending()).toEqual([
      { id, workflow: "send_invoice", actorEmail: AGENT, payload: { amount: 900 }, digest: DIGEST, reasons: ["large_refund: big"], runId: "run-1", requestedAt: new Date(START).toISOString(), expiresAt: new Date(START + TTL).toISOString() },
    ]);
  });

  it("drops a request at the moment it expires", async () => {
    const { approvals, ask, clock } = desk();
    await ask();
    clock.now = START + TTL - 1;
    expect(await approvals.pending()).toHaveLength(1);
    clock.now = START + TTL;
    expect(await approvals.pending()).toEqual([]);
  });
});

describe("ApprovalDesk.pending, order", () => {
  it("sorts requests made out of order by when they were made", async () => {
    const { approvals, ask, clock } = desk();
    clock.now = START;
    const oldest = await ask();
    clock.now = START + 2000;
    const newest = await ask();
    clock.now = START + 1000;
    const middle = await ask();
    expect((await approvals.pending()).map((pending) => pending.id)).toEqual([oldest.id, middle.id, newest.id]);
  });

  it("tells the user which stores can keep approvals when this one cannot", async () => {
    const store = new MemoryReceiptStore();
    const bare = { ...store, listApprovals: undefined, write: store.write.bind(store) } as unknown as ReceiptStore;
    const { approvals } = desk({ store: bare });
    await expect(approvals.pending()).rejects.toThrow(
      "This receipt store cannot keep approvals (it lacks putApprovalStage, getApprovalStages and listApprovals). Use FileReceiptStore, PostgresReceiptStore or MemoryReceiptStore.",
    );
  });
});

describe("ApprovalDesk.check", () => {
  it("says why when the store cannot keep approvals", async () => {
    const bare = { ...new MemoryReceiptStore() } as ReceiptStore;
    const { approvals } = desk({ store: bare });
    expect(approvals.available).toBe(false);
    expect(await approvals.check("x", DIGEST)).toEqual({ ok: false, reason: "the receipt store cannot keep approvals" });
  });

  it("counts a store lacking any one of the approval methods as unable to keep approvals", async () => {
    for (const missing of ["putApprovalStage", "getApprovalStages", "listApprovals"] as const) {
      const store = new MemoryReceiptStore();
      (store as Partial<MemoryReceiptStore>)[missing] = undefined;
      const { approvals } = desk({ store });
      expect(approvals.available).toBe(false);
      expect(await approvals.check("x", DIGEST)).toEqual({ ok: false, reason: "the receipt store cannot keep approvals" });
    }
  });

  it("refuses an approval id that is not a string", async () => {
    const { approvals } = desk();
    expect(approvals.available).toBe(true);
    expect(await approvals.check(42, DIGEST)).toEqual({ ok: false, reason: "approvalId must be a string" });
  });

  it("refuses an unknown id, and an approval for another digest", async () => {
    const { approvals, ask } = desk();
    expect(await approvals.check("nope", DIGEST)).toEqual({ ok: false, reason: "approval nope is unknown (no such request, or its record does not verify)" });
    const { id } = await ask();
    await approvals.decide(id, "approved", { approver: APPROVER });
    expect(await approvals.check(id, "b".repeat(64))).toEqual({
      ok: false,
      reason: `approval was for a different request (approval ${id} covers another workflow, actor, payload or policy set)`,
    });
  });

  it("names only the approver of a denial given without a reason", async () => {
    const { approvals, ask } = desk();
    const { id } = await ask();
    await approvals.decide(id, "denied", { approver: APPROVER });
    expect(await approvals.check(id, DIGEST)).toEqual({ ok: false, reason: `approval ${id} was denied by ${APPROVER}` });
  });

  it("gives the approval until the last millisecond before expiry, then refuses it as expired", async () => {
    const { approvals, ask, clock } = desk();
    const { id, expiresAt } = await ask();
    clock.now = START + 10;
    await approvals.decide(id, "approved", { approver: APPROVER });
    clock.now = START + TTL - 1;
    expect(await approvals.check(id, DIGEST)).toEqual({ ok: true, approval: { id, approver: APPROVER, approvedAt: new Date(START + 10).toISOString() } });
    clock.now = START + TTL;
    expect(await approvals.check(id, DIGEST)).toEqual({ ok: false, reason: `approval ${id} expired at ${expiresAt}` });
  });

  it("counts a decision record of the wrong kind or for another id as not verifying", async () => {
    const store = new MemoryReceiptStore();
    const { approvals, ask, signer } = desk({ store });
    const { id } = await ask();
    const other = await ask();
    const decidedElsewhere = await approvals.decide(other.id, "approved", { approver: APPROVER });
    await store.putApprovalStage(id, "decision", JSON.stringify(decidedElsewhere));
    expect(await approvals.check(id, DIGEST)).toEqual({ ok: false, reason: `the decision on approval ${id} does not verify` });
    const { id: third } = await ask();
    await store.putApprovalStage(third, "decision", signer.sign({ kind: "approval_use", id: third, runId: "r", usedAt: "x" }).json);
    expect(await approvals.check(third, DIGEST)).toEqual({ ok: false, reason: `the decision on approval ${third} does not verify` });
  });
});

describe("ApprovalDesk.claim", () => {
  it("lets one run use an approval, and says no to the next", async () => {
    const store = new MemoryReceiptStore();
    const { approvals, ask, clock } = desk({ store });
    const { id } = await ask();
    await approvals.decide(id, "approved", { approver: APPROVER });
    clock.now = START + 5;
    expect(await approvals.claim(id, "run-2")).toBe(true);
    expect(await approvals.claim(id, "run-3")).toBe(false);
    expect(await approvals.check(id, DIGEST)).toEqual({ ok: false, reason: `approval ${id} was already used by run run-2 at ${new Date(START + 5).toISOString()}` });
    expect((await store.getApprovalStages(id)).use).toContain('"kind":"approval_use"');
  });
});
