import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildReceipt, canonicalBytes, canonicalJson, ReceiptSigner, verifySignature, type Receipt } from "enact-sdk";

/*
 * Signing's edges that mutation testing found unpinned (docs/mutation.md): the secret is redacted
 * on both signing paths, a false positive does not loop, and verification answers false, never
 * throws and never accepts, for whatever it is handed.
 */

const SECRET = "signer-edges-secret-0123456789abcdef";

function receiptWith(payload: Record<string, unknown>): Receipt {
  return buildReceipt({ workflow: "w", actorEmail: "agent@acme.dev", payload, policyResults: [], decision: "PASS" });
}

describe("ReceiptSigner.sign()", () => {
  it("signs the secret found in a receipt's values as [REDACTED]", () => {
    const signer = new ReceiptSigner(SECRET);

    const signed = signer.sign(receiptWith({ leaked: `token ${SECRET}` }));

    expect(JSON.stringify(signed)).not.toContain(SECRET);
    expect(signed.payload).toEqual({ leaked: "token [REDACTED]" });
    expect(signer.verify(signed)).toBe(true);
  });
});

describe("ReceiptSigner.signWithJson()", () => {
  it("signs and serializes the secret found in a receipt's values as [REDACTED]", () => {
    const signer = new ReceiptSigner(SECRET);

    const { receipt, json } = signer.signWithJson(receiptWith({ leaked: `token ${SECRET}` }));

    expect(json).not.toContain(SECRET);
    expect(receipt.payload).toEqual({ leaked: "token [REDACTED]" });
    expect(JSON.parse(json)).toEqual(receipt);
    expect(signer.verify(receipt)).toBe(true);
  });

  it("signs a receipt whose canonical text spells the secret outside any string, once", () => {
    // A number is not a string value: there is nothing to redact, and signing must not retry forever.
    const signer = new ReceiptSigner("9876543210");

    const { receipt, json } = signer.signWithJson(receiptWith({ amount: 9876543210 }));

    expect(receipt.payload).toEqual({ amount: 9876543210 });
    expect(JSON.parse(json)).toEqual(receipt);
  });
});

describe("ReceiptSigner.verifyParsed()", () => {
  it("answers false for a value with no canonical form, never throwing", () => {
    const signer = new ReceiptSigner(SECRET);
    const { receipt } = signer.signWithJson(receiptWith({}));

    expect(signer.verifyParsed({ ...receipt, payload: { big: 1n } })).toBe(false);
  });
});

describe("verifySignature()", () => {
  it("refuses an empty secret, even for a receipt MACed with an empty key", () => {
    const receipt = receiptWith({});
    const mac = createHmac("sha256", Buffer.alloc(0)).update(canonicalBytes(receipt)).digest("hex");

    expect(verifySignature({ ...receipt, signature: mac }, "")).toBe(false);
  });

  it("answers false for a secret that is not a string, never throwing", () => {
    const { receipt } = new ReceiptSigner(SECRET).signWithJson(receiptWith({}));

    expect(verifySignature(receipt, 42 as unknown as string)).toBe(false);
  });
});

describe("the canonical form", () => {
  it("refuses a value with no JSON form, saying so", () => {
    expect(() => canonicalJson(undefined)).toThrow(/Only JSON values have a canonical form/);
  });
});
