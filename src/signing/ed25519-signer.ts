import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { jcsSplit, jcsWithMember, jcsWithout, joinSplit } from "../canonical-json.js";
import type { Receipt } from "../models.js";
import { isPlainJsonData } from "../plain-json.js";
import { canonicalJson, type SignedReceipt } from "../receipt.js";
import { ConfigurationError } from "../errors.js";
import { ed25519PrivateKey, ed25519PublicKey, isKeyId, type SigningKey } from "./ed25519-keys.js";

/** The value of `receipt.signatureAlgorithm` on an Ed25519 receipt. HMAC receipts carry no such field. */
export const ED25519 = "ed25519" as const;

/** An Ed25519 signature: 64 bytes, written as 128 lowercase hex digits. */
const HEX_SIGNATURE = /^[0-9a-f]{128}$/;

/**
 * Signs receipts with one Ed25519 private key. The receipt first gets `signatureAlgorithm:
 * "ed25519"` and `keyId` (both signed); the signature is Ed25519 over the UTF-8 bytes of the RFC
 * 8785 form of the receipt without `signature`, the same bytes an HMAC receipt's MAC covers.
 * Ed25519 (RFC 8032) is deterministic: the same receipt always gets the same signature.
 */
export class Ed25519ReceiptSigner {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly keyId: string;

  constructor(signingKey: SigningKey) {
    if (typeof signingKey !== "object" || signingKey === null) throw new ConfigurationError("signingKey must be { privateKey, keyId }.");
    if (!isKeyId(signingKey.keyId)) {
      throw new ConfigurationError("signingKey.keyId must be 1 to 128 printable ASCII characters without spaces (e.g. \"prod-2026-12\"): verifiers pick the public key by it.");
    }
    this.#privateKey = ed25519PrivateKey(signingKey.privateKey);
    this.#publicKey = ed25519PublicKey(this.#privateKey) as KeyObject;
    this.keyId = signingKey.keyId;
  }

  /** The public key to hand to verifiers. */
  get publicKey(): KeyObject {
    return this.#publicKey;
  }

  /** A copy of `receipt` naming this key, signed. Values must already be JSON-safe. */
  sign(receipt: Receipt): Receipt {
    return this.signWithJson(receipt).receipt;
  }

  /** `sign`, and the signed receipt's canonical JSON text, made from the bytes just signed. */
  signWithJson(receipt: Receipt): SignedReceipt {
    const named: Receipt = { ...receipt, signatureAlgorithm: ED25519, keyId: this.keyId };
    const split = jcsSplit(named, "signature");
    if (split === undefined) {
      const signed = { ...named, signature: this.#signText(textWithoutSignature(named)) };
      return { receipt: signed, json: canonicalJson(signed) };
    }
    const unsigned = joinSplit(split);
    const signature = this.#signText(unsigned);
    return { receipt: { ...named, signature }, json: jcsWithMember(split, unsigned, "signature", `"${signature}"`) };
  }

  /** True for a receipt this signer's key signed, unchanged since. Never throws. */
  verify(receipt: unknown): boolean {
    return isPlainJsonData(receipt) && this.verifyParsed(receipt);
  }

  /** `verify` of a value `JSON.parse` has just returned (see `ReceiptSigner.verifyParsed`). */
  verifyParsed(receipt: unknown): boolean {
    return (receipt as { keyId?: unknown } | null)?.keyId === this.keyId && verifyEd25519Parsed(receipt, this.#publicKey);
  }

  #signText(text: string): string {
    return cryptoSign(null, Buffer.from(text, "utf8"), this.#privateKey).toString("hex");
  }
}

/**
 * True when `receipt` is an Ed25519 receipt (`signatureAlgorithm: "ed25519"`, a string `keyId`,
 * 128 hex digits of signature) whose signature `publicKey` verifies over its canonical bytes.
 * The receipt must be plain JSON data as `JSON.parse` returns it. Never throws.
 */
export function verifyEd25519Parsed(receipt: unknown, publicKey: KeyObject): boolean {
  try {
    const { signature, signatureAlgorithm, keyId } = receipt as { signature?: unknown; signatureAlgorithm?: unknown; keyId?: unknown };
    if (signatureAlgorithm !== ED25519 || typeof keyId !== "string" || typeof signature !== "string" || !HEX_SIGNATURE.test(signature)) return false;
    const text = textWithoutSignature(receipt as Receipt);
    return cryptoVerify(null, Buffer.from(text, "utf8"), publicKey, Buffer.from(signature, "hex"));
  } catch {
    return false;
  }
}

function textWithoutSignature(receipt: Receipt): string {
  const text = jcsWithout(receipt, "signature");
  if (text === undefined) throw new TypeError("Only JSON values have a canonical form");
  return text;
}
