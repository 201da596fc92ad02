import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { ConfigurationError, definePolicy, EnactClient, MemoryReceiptStore, verifySignature, type ActionResult } from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";

// Strings that are not well-formed UTF-16 have no UTF-8 form, so they cannot be signed as they are:
// every string that enters a receipt becomes well formed (lone surrogates → U+FFFD), as payload strings do.

let calls = 0;
async function countedWorkflow(): Promise<ActionResult[]> {
  calls += 1;
  return [{ action: "count", system: "test", success: true, output: { calls } }];
}
async function cutInAnEmoji(): Promise<ActionResult[]> {
  // "😀" is \uD83D\uDE00: cut after its first half.
  throw new Error("wrote half an emoji: \uD83D");
}
async function loneSurrogateAction(): Promise<ActionResult[]> {
  return [{ action: "act\uDC00", system: "sys\uD800", success: true, output: { ["k\uD800"]: "v\uDFFF" } }];
}

function client(store = new MemoryReceiptStore()): EnactClient {
  return new EnactClient({
    secret: TEST_SECRET,
    receiptStore: store,
    workflows: [countedWorkflow, cutInAnEmoji, loneSurrogateAction],
    policies: [definePolicy("odd_policy", () => ({ policy: "odd\uD800", passed: true, reason: "fine\uDC00" }))],
  });
}

describe("run() with strings that are not well-formed UTF-16", () => {
  it("records an actor email holding a lone surrogate with U+FFFD, in a receipt that verifies", async () => {
    const [result, receipt] = await client().run({ workflow: "countedWorkflow", actorEmail: "agent\uD800@x.com" });
    expect(result.success).toBe(true);
    expect(receipt.actorEmail).toBe("agent\uFFFD@x.com");
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("blocks a keyed run whose actor is not a string and prints with a lone surrogate, with a receipt", async () => {
    const actor = { toString: () => "agent\uD800" };
    const [result, receipt] = await client().run({ workflow: "countedWorkflow", actorEmail: actor as unknown as string, idempotencyKey: "k-actor" });
    expect(result.success).toBe(false);
    expect(receipt.actorEmail).toBe("agent\uFFFD");
    expect(receipt.policyResults[0]).toMatchObject({ policy: "actor_identity", passed: false });
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("gives policies the same well-formed actor email the receipt records", async () => {
    const seen: string[] = [];
    const enact = new EnactClient({
      secret: TEST_SECRET,
      receiptStore: new MemoryReceiptStore(),
      workflows: [countedWorkflow],
      policies: [(ctx) => (seen.push(ctx.actorEmail), { policy: "p", passed: true, reason: "ok" })],
    });
    const [, receipt] = await enact.run({ workflow: "countedWorkflow", actorEmail: "agent\uD800@x.com" });
    expect(seen).toEqual([receipt.actorEmail]);
  });

  it("records a workflow error cut in the middle of an emoji, in a receipt that verifies", async () => {
    const [result, receipt] = await client().run({ workflow: "cutInAnEmoji", actorEmail: "a@x.com" });
    expect(result.success).toBe(false);
    expect(receipt.error).toBe("Error: wrote half an emoji: \uFFFD");
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("records policy results and actions holding lone surrogates, in a receipt that verifies", async () => {
    const [, receipt] = await client().run({ workflow: "loneSurrogateAction", actorEmail: "a@x.com" });
    expect(receipt.policyResults).toEqual([{ policy: "odd\uFFFD", passed: true, reason: "fine\uFFFD" }]);
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "act\uFFFD", system: "sys\uFFFD", output: { ["k\uFFFD"]: "v\uFFFD" } });
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("claims, records and replays an idempotency key holding a lone surrogate as one well-formed key", async () => {
    const store = new MemoryReceiptStore();
    const enact = client(store);
    calls = 0;
    const [first, receipt] = await enact.run({ workflow: "countedWorkflow", actorEmail: "a@x.com", idempotencyKey: "key-\uDC00" });
    expect(first.success).toBe(true);
    expect(receipt.idempotencyKey).toBe("key-\uFFFD");
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect((await store.getClaim("key-\uFFFD"))?.state).toBe("completed");
    const [again, replayed] = await enact.run({ workflow: "countedWorkflow", actorEmail: "a@x.com", idempotencyKey: "key-\uDC00" });
    expect(again.replayed).toBe(true);
    expect(replayed.runId).toBe(receipt.runId);
    expect(calls).toBe(1);
  });

  it("leaves no claim stuck in executing for a keyed run whose actor holds a lone surrogate (file store)", async () => {
    const receiptDir = await mkdtemp(join(tmpdir(), "enact-well-formed-"));
    const enact = new EnactClient({ secret: TEST_SECRET, receiptDir, workflows: [countedWorkflow] });
    const [result] = await enact.run({ workflow: "countedWorkflow", actorEmail: "agent\uD800@x.com", idempotencyKey: "k-\uD800" });
    expect(result.success).toBe(true);
    expect((await enact.receiptStore.getClaim("k-\uFFFD"))?.state).toBe("completed");
    await enact.flush();
  });

  it("reconciles a key given with a lone surrogate, finding the claim of its well-formed form", async () => {
    const store = new MemoryReceiptStore();
    const now = new Date().toISOString();
    await store.claim({
      key: "key-\uFFFD",
      fingerprint: "f",
      workflow: "countedWorkflow",
      actorEmail: "agent\uD800@x.com",
      payload: {},
      runId: "00000000-0000-4000-8000-000000000001",
      state: "executing",
      owner: "elsewhere:1",
      claimedAt: now,
      updatedAt: now,
    });
    const reconciled = await client(store).reconcile("key-\uDC00", { outcome: "failed", note: "half \uD83D" });
    expect(reconciled.status).toBe("released");
    expect(reconciled.receipt?.actorEmail).toBe("agent\uFFFD@x.com");
    expect(verifySignature(reconciled.receipt, TEST_SECRET)).toBe(true);
  });
});

describe("the missing-secret error", () => {
  it("says the library does not read .env and how to load it with dotenv", () => {
    vi.stubEnv("ENACT_SECRET", "");
    try {
      expect(() => new EnactClient({ receiptStore: new MemoryReceiptStore() })).toThrow(ConfigurationError);
      expect(() => new EnactClient({ receiptStore: new MemoryReceiptStore() })).toThrow(/import "dotenv\/config"/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
