import { createHmac, createSecretKey } from "node:crypto";
import { jcsWithout } from "../canonical-json.js";
import { HexHmac } from "../hex-hmac.js";
import type { Payload } from "../models.js";
import { isPlainJsonData } from "../plain-json.js";
import { SecretRedactor } from "../secret-redaction.js";

/** A person's request to approve: what would run, why it needs approval, until when. */
export interface ApprovalRequestRecord {
  kind: "approval_request";
  id: string;
  workflow: string;
  actorEmail: string;
  payload: Payload;
  /** See `approvalDigest`. */
  digest: string;
  /** Each failing policy as `"policy: reason"`. */
  reasons: string[];
  /** The run whose `PENDING_APPROVAL` receipt made the request. */
  runId: string;
  requestedAt: string;
  expiresAt: string;
  signature: string;
}

/** A person's answer to a request; written once, whichever of approve and deny comes first. */
export interface ApprovalDecisionRecord {
  kind: "approval_decision";
  id: string;
  decision: "approved" | "denied";
  approver: string;
  decidedAt: string;
  note?: string;
  reason?: string;
  signature: string;
}

/** The run that used an approval; written once, before that run's workflow executes. */
export interface ApprovalUseRecord {
  kind: "approval_use";
  id: string;
  runId: string;
  usedAt: string;
  signature: string;
}

/** The kill switch's latest position. */
export interface HaltRecord {
  kind: "halt";
  halted: boolean;
  by: string;
  reason?: string;
  at: string;
  signature: string;
}

export type ControlRecord = ApprovalRequestRecord | ApprovalDecisionRecord | ApprovalUseRecord | HaltRecord;

/** Each kind of record before it is signed. */
type Unsigned = { [K in ControlRecord["kind"]]: Omit<Extract<ControlRecord, { kind: K }>, "signature"> };

// Records are signed under a key derived from the secret with this label, never the receipt key
// itself: a record's signature can never pass as a receipt's, nor a receipt's as a record's.
const LABEL = "enact-sdk control records v1";

/**
 * Signs and checks approval and halt records: lowercase hex HMAC-SHA256 over the RFC 8785 form of
 * the record without its `signature`, under a key derived from the client's secret.
 */
export class ControlSigner {
  readonly #hmac: HexHmac;
  readonly #redactor: SecretRedactor;

  constructor(secret: string) {
    const derived = createHmac("sha256", Buffer.from(secret, "utf8")).update(LABEL, "utf8").digest();
    this.#hmac = new HexHmac(createSecretKey(derived));
    this.#redactor = new SecretRedactor(secret);
  }

  /**
   * The record with its signature set, and as stored: JSON text. The secret is replaced by
   * `[REDACTED]` wherever it appears (a payload, a note), as in receipts: stores are read by many.
   */
  sign<K extends ControlRecord["kind"]>(given: Unsigned[K] & { kind: K }): { record: Extract<ControlRecord, { kind: K }>; json: string } {
    let unsigned = given;
    let text = jcsWithout({ ...unsigned, signature: "" }, "signature");
    if (text === undefined) throw new TypeError("A control record must be JSON data");
    if (this.#redactor.appearsIn(text)) {
      unsigned = this.#redactor.redactReceipt(unsigned);
      text = jcsWithout({ ...unsigned, signature: "" }, "signature") ?? text;
    }
    const record = { ...unsigned, signature: this.#hmac.of(text) } as unknown as Extract<ControlRecord, { kind: K }>;
    return { record, json: JSON.stringify(record) };
  }

  /**
   * The record stored as `json`, if it parses, is of `kind`, names `id` (when given) and its
   * signature matches: anything else is undefined, which callers treat as absent or refused.
   */
  open<K extends ControlRecord["kind"]>(json: string | undefined, kind: K, id?: string): Extract<ControlRecord, { kind: K }> | undefined {
    if (json === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (!isPlainJsonData(value) || typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const record = value as { kind?: unknown; id?: unknown; signature?: unknown };
    if (record.kind !== kind || (id !== undefined && record.id !== id)) return undefined;
    try {
      const text = jcsWithout(record, "signature");
      return text !== undefined && this.#hmac.matches(text, record.signature) ? (value as Extract<ControlRecord, { kind: K }>) : undefined;
    } catch {
      return undefined;
    }
  }
}
