import { createSecretKey, randomUUID } from "node:crypto";
import { jcs, jcsSplit, jcsWithMember, jcsWithout, joinSplit } from "./canonical-json.js";
import { HexHmac } from "./hex-hmac.js";
import { toJsonSafe, toJsonSafeObject, toJsonSafePolicyResults, wellFormed } from "./json-safe.js";
import type { ActionResult, Decision, PolicyResult, Receipt } from "./models.js";
import { isPlainJsonData } from "./plain-json.js";
import { SecretRedactor } from "./secret-redaction.js";

/** What `buildReceipt` needs; everything else (run id, time, signature) it fills in. */
export interface ReceiptInput {
  workflow: string;
  actorEmail: string;
  payload: Record<string, unknown>;
  policyResults: readonly PolicyResult[];
  decision: Decision;
  actionsTaken?: readonly ActionResult[] | undefined;
  idempotencyKey?: string | undefined;
  error?: string | undefined;
  note?: string | undefined;
  /** A run id chosen in advance (keyed runs claim their key under it); a fresh UUID otherwise. */
  runId?: string | undefined;
  /** A `PENDING_APPROVAL` run's request (see `Receipt.approvalRequest`). */
  approvalRequest?: Receipt["approvalRequest"];
  /** The approval a run was made with (see `Receipt.approval`). */
  approval?: Receipt["approval"];
  /** What the shadow policies said (see `Receipt.shadowResults`). */
  shadowResults?: readonly PolicyResult[] | undefined;
  /** A dry run's receipt (see `Receipt.dryRun`). */
  dryRun?: boolean | undefined;
}

/**
 * Builds an unsigned receipt (`signature: ""`) with a fresh UUID and the current UTC time.
 * Every value is made JSON-safe here (see `toJsonSafe`), so what is signed is what is stored.
 */
export function buildReceipt(input: ReceiptInput): Receipt {
  const receipt: Receipt = {
    runId: input.runId ?? randomUUID(),
    workflow: wellFormed(input.workflow),
    actorEmail: wellFormed(input.actorEmail),
    payload: toJsonSafeObject(input.payload),
    policyResults: toJsonSafePolicyResults(input.policyResults),
    decision: input.decision,
    actionsTaken: toJsonSafe(input.actionsTaken ?? []) as ActionResult[],
    timestamp: isoNow(),
    signature: "",
  };
  if (input.idempotencyKey !== undefined) receipt.idempotencyKey = wellFormed(input.idempotencyKey);
  if (input.error !== undefined) receipt.error = wellFormed(input.error);
  if (input.note !== undefined) receipt.note = wellFormed(input.note);
  if (input.approvalRequest !== undefined) receipt.approvalRequest = { ...input.approvalRequest };
  if (input.approval !== undefined) receipt.approval = { ...input.approval, approver: wellFormed(input.approval.approver) };
  if (input.shadowResults !== undefined) receipt.shadowResults = toJsonSafePolicyResults(input.shadowResults);
  if (input.dryRun === true) receipt.dryRun = true;
  return receipt;
}

// Runs come tens to a millisecond under load, and formatting a Date costs about as much as the
// five policies of a typical run: each millisecond's ISO string is made once.
let isoMillisecond = Number.NaN;
let isoText = "";

/** The current UTC time as an ISO-8601 string, to the millisecond. */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMillisecond) {
    isoMillisecond = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/**
 * The bytes a signature covers: the RFC 8785 (JCS) serialization, in UTF-8, of the receipt
 * without its `signature` field. Every other field, including ones added later, is covered.
 */
export function canonicalBytes(receipt: Receipt): Buffer {
  return Buffer.from(canonicalText(receipt), "utf8");
}

function canonicalText(receipt: Receipt): string {
  const text = jcsWithout(receipt, "signature");
  if (text === undefined) throw new TypeError("Only JSON values have a canonical form");
  return text;
}

/** The RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = jcs(value);
  if (text === undefined) throw new TypeError("Only JSON values have a canonical form");
  return text;
}

/** A signed receipt, and the same receipt as JSON text: its canonical form, signature included. */
export interface SignedReceipt {
  receipt: Receipt;
  json: string;
}

/**
 * Signs receipts with one HMAC-SHA256 key, imported once. `EnactClient` keeps one per secret
 * so the key is not re-derived on every run.
 */
export class ReceiptSigner {
  readonly #hmac: HexHmac;
  readonly #redactor: SecretRedactor;

  constructor(secret: string) {
    this.#hmac = new HexHmac(createSecretKey(Buffer.from(secret, "utf8")));
    this.#redactor = new SecretRedactor(secret);
  }

  /**
   * A copy of `receipt` with its signature set. Values must already be JSON-safe. The signing
   * secret is replaced by `[REDACTED]` wherever it appears (see `SecretRedactor`).
   */
  sign(receipt: Receipt): Receipt {
    let text = canonicalText(receipt);
    let signing = receipt;
    if (this.#redactor.appearsIn(text)) {
      signing = this.#redactor.redactReceipt(receipt);
      text = canonicalText(signing);
    }
    return { ...signing, signature: this.#hmac.of(text) };
  }

  /**
   * `sign`, and the signed receipt as JSON text, made from the bytes just signed: a store can keep
   * that text instead of serializing the receipt again.
   */
  signWithJson(receipt: Receipt): SignedReceipt {
    return this.#signWithJson(receipt, false);
  }

  #signWithJson(receipt: Receipt, redacted: boolean): SignedReceipt {
    const split = jcsSplit(receipt, "signature");
    if (split === undefined) {
      const signed = this.sign(receipt);
      return { receipt: signed, json: canonicalJson(signed) };
    }
    const unsigned = joinSplit(split);
    // Once redacted, a hit can only be a false positive (the secret spelled across two strings).
    if (!redacted && this.#redactor.appearsIn(unsigned)) return this.#signWithJson(this.#redactor.redactReceipt(receipt), true);
    const signature = this.#hmac.of(unsigned);
    // A signature is 64 hex digits: its JSON form is itself in quotes.
    return { receipt: { ...receipt, signature }, json: jcsWithMember(split, unsigned, "signature", `"${signature}"`) };
  }

  /**
   * True only for a well-formed signature that matches every field, on plain JSON data (see
   * `isPlainJsonData`: an object whose getters, proxy traps or `toJSON` could show a reader other
   * values than the ones checked is refused). Never throws.
   */
  verify(receipt: unknown): boolean {
    return isPlainJsonData(receipt) && this.verifyParsed(receipt);
  }

  /**
   * `verify` of a value `JSON.parse` has just returned, which is always plain JSON data: the audit
   * reads tens of thousands of receipts, and the plain-data walk would cost a third of its time.
   * Never pass it an object built or touched by other code.
   */
  verifyParsed(receipt: unknown): boolean {
    try {
      const signature = (receipt as { signature?: unknown } | null)?.signature;
      // A malformed signature fails without canonicalizing the receipt.
      if (typeof signature !== "string" || signature.length !== 64) return false;
      // HMAC-SHA256 over the UTF-8 bytes of the canonical text (the same bytes canonicalBytes returns).
      return this.#hmac.matches(canonicalText(receipt as Receipt), signature);
    } catch {
      return false;
    }
  }
}

/**
 * Returns a copy of `receipt` signed with `secret`: lowercase hex HMAC-SHA256 over
 * `canonicalBytes`. Values are made JSON-safe first, so the returned receipt is exactly what was signed.
 */
export function signReceipt(receipt: Receipt, secret: string): Receipt {
  const safe = toJsonSafeObject(receipt) as unknown as Receipt;
  return new ReceiptSigner(secret).sign(safe);
}

/**
 * True when `receipt` carries a valid signature for `secret` over every one of its fields.
 * A tampered, truncated, malformed or unsigned receipt, or a wrong secret, gives false; it never throws.
 */
export function verifySignature(receipt: unknown, secret: string): boolean {
  if (typeof secret !== "string" || secret.length === 0) return false;
  return new ReceiptSigner(secret).verify(receipt);
}
