import { sha256Hex } from "../sha256.js";
import type { Payload } from "../models.js";
import { canonicalJson } from "../receipt.js";

/** What an approval is bound to: exactly this request, checked by exactly these policies. */
export interface ApprovalSubject {
  workflow: string;
  actorEmail: string;
  payload: Payload;
  /**
   * The identity of the policy set. Until policy sets have a digest of their own, the ordered
   * names of the client's policies: an approval given under one set of checks is not valid under another.
   */
  policySet: readonly string[];
}

/** Lowercase hex SHA-256 of the RFC 8785 form of `{ workflow, actorEmail, payload, policySet }`. */
export function approvalDigest(subject: ApprovalSubject): string {
  const { workflow, actorEmail, payload, policySet } = subject;
  return sha256Hex(canonicalJson({ workflow, actorEmail, payload, policySet }));
}
