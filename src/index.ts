export { ActionResult, Decision, Payload, PolicyResult, Receipt, RunResult, WorkflowContext } from "./models.js";
export type { JsonValue } from "./models.js";
export {
  ApprovalError,
  ConfigurationError,
  CorruptReceiptError,
  EnactError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  MissingPeerDependencyError,
  MissingSystemError,
  PermissionError,
  ProtectedBranchError,
  ReceiptExistsError,
  ReceiptWriteError,
  StoreUnavailableError,
  TamperedStoredReceiptError,
  UnknownWorkflowError,
} from "./errors.js";
export { toJsonSafe } from "./json-safe.js";
export { defineWorkflow } from "./workflow.js";
export type { AnyWorkflowDefinition, WorkflowDefinition, WorkflowFunction, WorkflowLike } from "./workflow.js";
export { requireSystem } from "./system.js";
export { allPassed, DEFAULT_POLICY_TIMEOUT_MS, definePolicy, evaluateAll } from "./policy.js";
export type { EvaluateOptions, Policy, PolicyOptions } from "./policy.js";
export { policySetDigest } from "./policy-set.js";
export type { PolicySetIdentity } from "./policy-set.js";
export { verifyReceiptWithPublicKey } from "./signing/public-key-verification.js";
export type { PublicKeys } from "./signing/public-key-verification.js";
export type { Ed25519KeyInput, SigningKey } from "./signing/ed25519-keys.js";
export { EnactClient } from "./client.js";
export { MIN_SECRET_LENGTH } from "./client-options.js";
export type { ActorRoles, EnactClientOptions, Reconciliation, ReconcileResult, RunRequest } from "./client-options.js";
export { buildReceipt, canonicalBytes, canonicalJson, ReceiptSigner, signReceipt, verifySignature } from "./receipt.js";
export type { ReceiptInput, SignedReceipt } from "./receipt.js";
export { receiptPath, writeReceipt } from "./receipt-file.js";
export { FileReceiptStore } from "./stores/file-store.js";
export { MemoryReceiptStore } from "./stores/memory-store.js";
export { byTime, matchesFilter } from "./stores/receipt-store.js";
export type { ApprovalStage, ApprovalStages, ClaimState, IdempotencyClaim, ReceiptFilter, ReceiptStore } from "./stores/receipt-store.js";
export type { ApprovalRefusal } from "./errors.js";
export type { Approvers } from "./approvals/approvers.js";
export type { PendingApproval } from "./approvals/desk.js";
export type { HaltStatus } from "./approvals/kill-switch.js";
export type { ApprovalDecisionRecord, ApprovalRequestRecord, ApprovalUseRecord, HaltRecord } from "./approvals/records.js";
export type { CutoutState } from "./approvals/cutout-window.js";
export { requestFingerprint } from "./idempotency.js";
export { RollbackRefusedError, TamperedReceiptError } from "./rollback/errors.js";
export type { RollbackRefusal } from "./rollback/errors.js";
export type { RollbackOptions } from "./rollback/engine.js";
export { isUndoable, NOT_UNDOABLE, notUndoable } from "./rollback/undoable.js";
export type { Undoable, UndoContext } from "./rollback/undoable.js";
export { JournalKey } from "./journal/key.js";
export { JournalDamagedError } from "./journal/errors.js";
export { auditReceiptDirectory, StoreNotFoundError } from "./journal/file-source.js";
export { settleReceiptDirectory } from "./journal/settle.js";
export type { SettleReport } from "./journal/settle.js";
export type { AuditOptions } from "./journal/file-source.js";
export type { AuditReport, JournalAnchor, JournalCheck, ReceiptFinding } from "./journal/audit.js";
export type { JournalEntry, JournalHead } from "./journal/entry.js";
export type { JournalOptions } from "./journal/slot.js";
export type { FileReceiptStoreOptions } from "./stores/file-store.js";
