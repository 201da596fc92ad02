import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ApprovalError,
  ConfigurationError,
  defineWorkflow,
  EnactClient,
  MemoryReceiptStore,
  RollbackRefusedError,
  signReceipt,
  type EnactClientOptions,
  type Receipt,
} from "enact-sdk";
import { requireApproval } from "enact-sdk/policies";
import { TEST_SECRET } from "./support/context.js";

const noop = defineWorkflow("noop", async () => []);
const START = Date.parse("2026-12-07T00:00:00.000Z");
const DAY_MS = 24 * 60 * 60 * 1000;

function signingKey(): NonNullable<EnactClientOptions["signingKey"]> {
  return { privateKey: generateKeyPairSync("ed25519").privateKey, keyId: "k1" };
}

function client(options: EnactClientOptions = {}): EnactClient {
  return new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [noop], ...options });
}

/** A receipt signed with HMAC and `secret`, as an HMAC client before an Ed25519 one would have written it. */
function hmacReceipt(secret: string): Receipt {
  const unsigned = {
    runId: "00000000-0000-4000-8000-000000000001",
    workflow: "noop",
    actorEmail: "agent@co.com",
    payload: {},
    policyResults: [],
    decision: "PASS",
    actionsTaken: [],
    timestamp: new Date(START).toISOString(),
  } as unknown as Receipt;
  return signReceipt(unsigned, secret);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the secret of a client with an Ed25519 signing key", () => {
  it("is the given secret, so receipts HMAC-signed with it still verify", () => {
    const enact = client({ signingKey: signingKey() });
    expect(enact.verifyReceipt(hmacReceipt(TEST_SECRET))).toBe(true);
  });

  it("is the given secret even when ENACT_SECRET is set but blank", () => {
    vi.stubEnv("ENACT_SECRET", "");
    const enact = client({ signingKey: signingKey() });
    expect(enact.verifyReceipt(hmacReceipt(TEST_SECRET))).toBe(true);
  });

  it("may be blank: a blank secret is treated as none, and the client still signs with its key", async () => {
    const enact = client({ signingKey: signingKey(), secret: "" });
    const [, receipt] = await enact.run({ workflow: "noop", actorEmail: "agent@co.com" });
    expect(receipt.signatureAlgorithm).toBe("ed25519");
    expect(enact.verifyReceipt(receipt)).toBe(true);
    expect(enact.verifyReceipt(hmacReceipt(TEST_SECRET))).toBe(false);
  });
});

describe("rollbackEnabled", () => {
  it("is off unless set: rollback() of a run is refused as disabled", async () => {
    const enact = client();
    const [, receipt] = await enact.run({ workflow: "noop", actorEmail: "agent@co.com" });
    const refusal = enact.rollback(receipt.runId);
    await expect(refusal).rejects.toBeInstanceOf(RollbackRefusedError);
    await expect(refusal).rejects.toMatchObject({ reason: "disabled" });
  });

  it("is off for a truthy value that is not true", async () => {
    const enact = client({ rollbackEnabled: "yes" as unknown as boolean });
    const [, receipt] = await enact.run({ workflow: "noop", actorEmail: "agent@co.com" });
    await expect(enact.rollback(receipt.runId)).rejects.toMatchObject({ reason: "disabled" });
  });
});

describe("approvalTtlMs", () => {
  const gated = requireApproval("large", () => true);

  async function expiryOf(options: EnactClientOptions): Promise<string | undefined> {
    const enact = client({ policies: [gated], now: () => START, ...options });
    const [result] = await enact.run({ workflow: "noop", actorEmail: "agent@co.com" });
    expect(result.decision).toBe("PENDING_APPROVAL");
    const [pending] = await enact.pendingApprovals();
    return pending?.expiresAt;
  }

  it("defaults to 24 hours", async () => {
    expect(await expiryOf({})).toBe(new Date(START + DAY_MS).toISOString());
  });

  it("accepts 1 ms", async () => {
    expect(await expiryOf({ approvalTtlMs: 1 })).toBe(new Date(START + 1).toISOString());
  });

  it.each([
    [0, "0"],
    [-1, "-1"],
    [1.5, "1.5"],
    [Number.NaN, "NaN"],
  ])("refuses %s with a ConfigurationError", (ttl, shown) => {
    expect(() => client({ approvalTtlMs: ttl })).toThrow(ConfigurationError);
    expect(() => client({ approvalTtlMs: ttl })).toThrow(`approvalTtlMs must be a positive integer of ms, got ${shown}.`);
  });
});

describe("approve() and deny() without options", () => {
  it("approve() rejects with an ApprovalError, not a TypeError", async () => {
    await expect(client().approve("nope", undefined as unknown as { approver: string })).rejects.toBeInstanceOf(ApprovalError);
  });

  it("deny() rejects with an ApprovalError, not a TypeError", async () => {
    await expect(client().deny("nope", undefined as unknown as { approver: string })).rejects.toBeInstanceOf(ApprovalError);
  });
});

describe("flush()", () => {
  it("waits for the store's flush", async () => {
    let flushed = 0;
    const store = new MemoryReceiptStore();
    Object.assign(store, { flush: async (): Promise<void> => void (flushed += 1) });
    await client({ receiptStore: store }).flush();
    expect(flushed).toBe(1);
  });

  it("resolves for a store without flush", async () => {
    await expect(client().flush()).resolves.toBeUndefined();
  });
});
