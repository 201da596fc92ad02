import type { KeyObject } from "node:crypto";
import { isPlainJsonData } from "../plain-json.js";
import { ed25519PublicKey, type Ed25519KeyInput } from "./ed25519-keys.js";
import { ED25519, verifyEd25519Parsed } from "./ed25519-signer.js";

/** Public keys by key id, as `verifyReceiptWithPublicKey` takes them. */
export type PublicKeys = Readonly<Record<string, Ed25519KeyInput>>;

/**
 * True when `receipt` is an Ed25519 receipt signed by the key `keys[receipt.keyId]` and no field
 * has changed since. An HMAC receipt, an unknown key id, a key that is not an Ed25519 key, a
 * tampered, truncated or malformed receipt all give false. Needs no secret; never throws.
 *
 * @example
 * const ok = verifyReceiptWithPublicKey(receipt, { "prod-2026-12": readFileSync("enact-public.pem", "utf8") });
 */
export function verifyReceiptWithPublicKey(receipt: unknown, keys: PublicKeys): boolean {
  try {
    if (!isPlainJsonData(receipt) || typeof keys !== "object" || keys === null) return false;
    const keyId = (receipt as { keyId?: unknown }).keyId;
    if (typeof keyId !== "string" || !Object.hasOwn(keys, keyId)) return false;
    const key = ed25519PublicKey(keys[keyId]);
    return key !== undefined && verifyEd25519Parsed(receipt, key);
  } catch {
    return false;
  }
}

/**
 * Checks receipts as an auditor holding public keys (and perhaps the HMAC secret) does: an
 * Ed25519 receipt by its key id's public key, an HMAC receipt with the secret when there is one.
 * An HMAC receipt with no secret to check it is neither valid nor forged: `unverifiable` says so.
 */
export class ReceiptVerification {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #hmac: { verifyParsed(receipt: unknown): boolean } | undefined;

  constructor(keys: ReadonlyMap<string, KeyObject>, hmac?: { verifyParsed(receipt: unknown): boolean }) {
    this.#keys = keys;
    this.#hmac = hmac;
  }

  /** True when the receipt (as `JSON.parse` returned it) verifies. Never throws. */
  verifyParsed(receipt: unknown): boolean {
    const { signatureAlgorithm, keyId } = (receipt ?? {}) as { signatureAlgorithm?: unknown; keyId?: unknown };
    if (signatureAlgorithm === ED25519) {
      const key = typeof keyId === "string" ? this.#keys.get(keyId) : undefined;
      return key !== undefined && verifyEd25519Parsed(receipt, key);
    }
    return signatureAlgorithm === undefined && this.#hmac !== undefined && this.#hmac.verifyParsed(receipt);
  }

  /**
   * Why this verifier cannot judge the receipt at all, or undefined when it can: an HMAC receipt
   * when no secret was given. (An Ed25519 receipt naming a key id that was not given is judged:
   * invalid, since a forger can name any key id; an auditor is given every key id in use.)
   */
  unverifiable(receipt: unknown): string | undefined {
    const { signatureAlgorithm } = (receipt ?? {}) as { signatureAlgorithm?: unknown };
    if (signatureAlgorithm === undefined && this.#hmac === undefined) {
      return "an HMAC receipt: only the holder of ENACT_SECRET can check it (no secret was given)";
    }
    return undefined;
  }
}
