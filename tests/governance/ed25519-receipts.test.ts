import { generateKeyPairSync, type KeyObject } from "node:crypto";
import * as ed from "@noble/ed25519";
import { describe, expect, it } from "vitest";
import {
  canonicalBytes,
  ConfigurationError,
  defineWorkflow,
  EnactClient,
  MemoryReceiptStore,
  verifyReceiptWithPublicKey,
  verifySignature,
  type Receipt,
} from "enact-sdk";

const SECRET = "ed25519-test-secret-0123456789abcdef";

function keyPair(): { privateKey: KeyObject; publicKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicKey, publicPem: publicKey.export({ type: "spki", format: "pem" }) as string };
}

const noop = defineWorkflow("noop", async () => []);

async function ed25519Receipt(privateKey: KeyObject | string, keyId = "k1"): Promise<Receipt> {
  const client = new EnactClient({ signingKey: { privateKey, keyId }, receiptStore: new MemoryReceiptStore(), workflows: [noop] });
  const [, receipt] = await client.run({ workflow: "noop", actorEmail: "agent@co.com", payload: { n: 1, note: "héllo" } });
  return receipt;
}

describe("Ed25519 receipts", () => {
  it("name their algorithm and key id and carry a 128-hex-digit signature", async () => {
    const { privateKey } = keyPair();
    const receipt = await ed25519Receipt(privateKey, "prod-2026-12");
    expect(receipt.signatureAlgorithm).toBe("ed25519");
    expect(receipt.keyId).toBe("prod-2026-12");
    expect(receipt.signature).toMatch(/^[0-9a-f]{128}$/);
  });

  it("verify with the public key alone (KeyObject or PEM)", async () => {
    const { privateKey, publicKey, publicPem } = keyPair();
    const receipt = await ed25519Receipt(privateKey);
    expect(verifyReceiptWithPublicKey(receipt, { k1: publicKey })).toBe(true);
    expect(verifyReceiptWithPublicKey(JSON.parse(JSON.stringify(receipt)), { k1: publicPem })).toBe(true);
  });

  it("accept a PEM private key", async () => {
    const { privateKey, publicKey } = keyPair();
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    expect(verifyReceiptWithPublicKey(await ed25519Receipt(pem), { k1: publicKey })).toBe(true);
  });

  it("fail on any change to any field, the signed algorithm and key id included", async () => {
    const { privateKey, publicKey } = keyPair();
    const receipt = await ed25519Receipt(privateKey);
    const changes: Array<(r: Record<string, unknown>) => void> = [
      (r) => (r.decision = "BLOCK"),
      (r) => ((r.payload as Record<string, unknown>).n = 2),
      (r) => (r.timestamp = "2020-01-01T00:00:00.000Z"),
      (r) => (r.policySet = { digest: "0".repeat(64) }),
      (r) => (r.extra = true),
      (r) => (r.keyId = "k2"),
      (r) => delete r.signatureAlgorithm,
      (r) => (r.signature = `${(r.signature as string).slice(0, 127)}${(r.signature as string).endsWith("0") ? "1" : "0"}`),
    ];
    for (const change of changes) {
      const copy = structuredClone(receipt) as unknown as Record<string, unknown>;
      change(copy);
      expect(verifyReceiptWithPublicKey(copy, { k1: publicKey, k2: publicKey })).toBe(false);
    }
  });

  it("fail under another key, or under an unknown key id", async () => {
    const { privateKey } = keyPair();
    const other = keyPair();
    const receipt = await ed25519Receipt(privateKey);
    expect(verifyReceiptWithPublicKey(receipt, { k1: other.publicKey })).toBe(false);
    expect(verifyReceiptWithPublicKey(receipt, { k2: other.publicKey })).toBe(false);
  });

  it("an HMAC receipt presented as an Ed25519 one fails", async () => {
    const { publicKey } = keyPair();
    const client = new EnactClient({ secret: SECRET, receiptStore: new MemoryReceiptStore(), workflows: [noop] });
    const [, hmac] = await client.run({ workflow: "noop", actorEmail: "agent@co.com" });
    expect(verifyReceiptWithPublicKey(hmac, { k1: publicKey })).toBe(false);
    const dressed = { ...hmac, signatureAlgorithm: "ed25519", keyId: "k1" };
    expect(verifyReceiptWithPublicKey(dressed, { k1: publicKey })).toBe(false);
    // And an Ed25519 receipt is no HMAC receipt.
    expect(verifySignature(await ed25519Receipt(keyPair().privateKey), SECRET)).toBe(false);
  });

  it("never throws, whatever it is given", () => {
    const { publicKey } = keyPair();
    for (const value of [null, undefined, 1, "x", [], {}, { keyId: "k1", signatureAlgorithm: "ed25519", signature: 5 }]) {
      expect(verifyReceiptWithPublicKey(value, { k1: publicKey })).toBe(false);
    }
    expect(verifyReceiptWithPublicKey({ keyId: "k1" }, null as never)).toBe(false);
    expect(verifyReceiptWithPublicKey({ keyId: "k1" }, { k1: "not a pem" })).toBe(false);
  });

  it("verify across a key rotation: each receipt by its own key id", async () => {
    const old = keyPair();
    const current = keyPair();
    const keys = { "2026-11": old.publicKey, "2026-12": current.publicKey };
    const before = await ed25519Receipt(old.privateKey, "2026-11");
    const after = await ed25519Receipt(current.privateKey, "2026-12");
    expect(verifyReceiptWithPublicKey(before, keys)).toBe(true);
    expect(verifyReceiptWithPublicKey(after, keys)).toBe(true);
  });

  it("verify with @noble/ed25519 from the documented recipe, without Node's crypto", async () => {
    const { privateKey, publicKey } = keyPair();
    const receipt = await ed25519Receipt(privateKey);
    // Recipe: the 32 raw public-key bytes; message = UTF-8 RFC 8785 bytes of the receipt without `signature`.
    const raw = publicKey.export({ type: "spki", format: "der" }).subarray(-32);
    const message = canonicalBytes(receipt);
    const signature = Buffer.from(receipt.signature, "hex");
    expect(await ed.verifyAsync(signature, message, raw)).toBe(true);
    const changed = canonicalBytes({ ...receipt, decision: "BLOCK" });
    expect(await ed.verifyAsync(signature, changed, raw)).toBe(false);
  });

  it("are signed by @noble/ed25519 exactly as by the client (Ed25519 is deterministic)", async () => {
    const { privateKey } = keyPair();
    const receipt = await ed25519Receipt(privateKey);
    const seed = privateKey.export({ type: "pkcs8", format: "der" }).subarray(-32);
    const signature = await ed.signAsync(canonicalBytes(receipt), seed);
    expect(Buffer.from(signature).toString("hex")).toBe(receipt.signature);
  });

  it("the client verifies its own Ed25519 receipts", async () => {
    const { privateKey } = keyPair();
    const client = new EnactClient({ signingKey: { privateKey, keyId: "k1" }, receiptStore: new MemoryReceiptStore(), workflows: [noop] });
    const [, receipt] = await client.run({ workflow: "noop", actorEmail: "agent@co.com" });
    expect(client.verifyReceipt(receipt)).toBe(true);
    expect(client.verifyReceipt({ ...receipt, decision: "BLOCK" })).toBe(false);
  });

  it("refuse a key that is not an Ed25519 private key, or a malformed key id", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    expect(() => new EnactClient({ signingKey: { privateKey: rsa, keyId: "k" }, receiptStore: new MemoryReceiptStore() })).toThrow(ConfigurationError);
    expect(() => new EnactClient({ signingKey: { privateKey: "garbage", keyId: "k" }, receiptStore: new MemoryReceiptStore() })).toThrow(ConfigurationError);
    expect(() => new EnactClient({ signingKey: { privateKey: keyPair().publicKey, keyId: "k" }, receiptStore: new MemoryReceiptStore() })).toThrow(ConfigurationError);
    expect(() => new EnactClient({ signingKey: { privateKey: keyPair().privateKey, keyId: "has space" }, receiptStore: new MemoryReceiptStore() })).toThrow(/keyId/);
  });
});
