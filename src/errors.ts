import type { Receipt } from "./models.js";

/**
 * The one base of every error enact-sdk throws on purpose. `code` is a stable literal to
 * branch on; `name` is the subclass's name so logs say what went wrong.
 */
export abstract class EnactError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The client or a connector was set up in a way that cannot work safely. */
export class ConfigurationError extends EnactError {
  readonly code = "ENACT_CONFIGURATION" as const;
}

/** A connector was asked for an action that its allowlist does not permit. */
export class PermissionError extends EnactError {
  readonly code = "ENACT_PERMISSION" as const;

  constructor(
    readonly system: string,
    readonly action: string,
    readonly allowed: readonly string[],
    message?: string,
  ) {
    super(
      message ??
        `Action '${action}' not in allowlist of ${system} connector (allowed: ${
          allowed.length > 0 ? allowed.join(", ") : "none"
        }). Add it to allowedActions if the agent should be able to do this.`,
    );
  }
}

/**
 * A connector was asked to write to a branch it protects (its `protectedBranches`, or the
 * repository's default branch). A `PermissionError`: the firewall refused, nothing was written.
 */
export class ProtectedBranchError extends PermissionError {
  constructor(
    system: string,
    action: string,
    allowed: readonly string[],
    readonly repo: string,
    readonly branch: string,
    reason: string,
  ) {
    super(system, action, allowed, `Refusing ${action} on '${branch}' of ${repo}: ${reason}`);
  }
}

/** `run()` was asked for a workflow that was never registered. */
export class UnknownWorkflowError extends EnactError {
  readonly code = "ENACT_UNKNOWN_WORKFLOW" as const;

  constructor(
    readonly workflow: string,
    readonly registered: readonly string[],
  ) {
    super(`Unknown workflow: ${workflow}. Registered: [${registered.join(", ")}]`);
  }
}

/** A workflow or policy needs a system that is not registered on the client. */
export class MissingSystemError extends EnactError {
  readonly code = "ENACT_MISSING_SYSTEM" as const;

  constructor(readonly system: string) {
    super(
      `System '${system}' is not registered. Pass it to new EnactClient({ systems: { ${system}: ... } }).`,
    );
  }
}

/** A receipt file with this run id already exists; receipts are never overwritten. */
export class ReceiptExistsError extends EnactError {
  readonly code = "ENACT_RECEIPT_EXISTS" as const;

  constructor(readonly path: string) {
    super(`Receipt ${path} already exists; receipts are never overwritten.`);
  }
}

/** An optional vendor SDK that a connector needs is not installed. */
export class MissingPeerDependencyError extends EnactError {
  readonly code = "ENACT_MISSING_PEER_DEPENDENCY" as const;

  constructor(
    readonly packageName: string,
    readonly entryPoint: string,
    options?: { cause?: unknown },
  ) {
    super(`${entryPoint} needs the '${packageName}' package. Install it with: npm install ${packageName}`, options);
  }
}

/** An idempotency key was reused for a different request (workflow, actor or payload). */
export class IdempotencyConflictError extends EnactError {
  readonly code = "ENACT_IDEMPOTENCY_CONFLICT" as const;

  constructor(
    readonly key: string,
    readonly runId: string,
  ) {
    super(
      `Idempotency key '${key}' was already used by run ${runId} for a different request ` +
        "(workflow, actor or payload). Use a new key for a new request.",
    );
  }
}

/**
 * Another run holds the idempotency key and has not finished: it is still running, or it
 * crashed after claiming the key. Enact never runs the workflow again on its own in that case.
 */
export class IdempotencyInProgressError extends EnactError {
  readonly code = "ENACT_IDEMPOTENCY_IN_PROGRESS" as const;

  constructor(
    readonly key: string,
    readonly runId: string,
    readonly state: string,
    readonly since: string,
    readonly ownerGone: boolean,
  ) {
    super(
      `Idempotency key '${key}' is held by run ${runId} (${state} since ${since}), which ` +
        (ownerGone ? "crashed: its process is gone. " : "has not finished: it is still running, or it crashed. ") +
        "If it crashed, check what it changed, then call enact.reconcile(" +
        `'${key}', { outcome: "failed" }) to let the key run again, or { outcome: "completed" } to record it as done.`,
    );
  }
}

/** A stored receipt could not be parsed: the file or row was truncated or edited into non-JSON. */
export class CorruptReceiptError extends EnactError {
  readonly code = "ENACT_CORRUPT_RECEIPT" as const;

  constructor(
    readonly location: string,
    cause: unknown,
  ) {
    super(`The stored receipt ${location} is not valid JSON (truncated or edited); it cannot be trusted.`, { cause });
  }
}

/** Raised when a run's receipt could not be stored; the signed receipt is attached so it is not lost. */
export class ReceiptWriteError extends EnactError {
  readonly code = "ENACT_RECEIPT_WRITE" as const;

  constructor(
    readonly receipt: Receipt,
    cause: unknown,
  ) {
    super(
      `The receipt of run ${receipt.runId} (${receipt.decision}) could not be stored: ${describeCause(cause)}. ` +
        "It is attached to this error as `receipt`; store it before retrying.",
      { cause },
    );
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/**
 * The receipt store cannot record runs right now (its journal failed, or its database is
 * unreachable). `run()` rejects with it before any policy-approved workflow executes, so nothing
 * changes without a receipt; retry once the store is back.
 */
export class StoreUnavailableError extends EnactError {
  readonly code = "ENACT_STORE_UNAVAILABLE" as const;

  constructor(detail: string, options?: { cause?: unknown }) {
    super(`The receipt store cannot record runs: ${detail}. Nothing was executed; retry once the store is available.`, options);
  }
}

/**
 * A stored receipt that an idempotent replay or `reconcile()` would hand back does not verify: it
 * was edited, signed with another secret, or belongs to another run. Enact never returns what such
 * a receipt says as a result (an edited file could replay attacker outputs as a success).
 */
export class TamperedStoredReceiptError extends EnactError {
  readonly code = "ENACT_STORED_RECEIPT_TAMPERED" as const;

  constructor(
    readonly runId: string,
    readonly key: string,
    detail: string,
  ) {
    super(
      `The stored receipt of run ${runId} (idempotency key '${key}') ${detail}; it is not replayed. ` +
        "Restore the original receipt from a backup and find out who changed the store " +
        "(`enact-sdk verify` lists every receipt that does not verify).",
    );
  }
}

/** Why `approve()` or `deny()` refused to record a decision. */
export type ApprovalRefusal = "unknown" | "expired" | "decided" | "self_approval" | "not_an_approver";

/**
 * `enact.approve()` or `enact.deny()` recorded nothing: the request is unknown (or its record does
 * not verify), expired, already decided, the approver asked for it themselves, or is not one of
 * the client's `approvers`.
 */
export class ApprovalError extends EnactError {
  readonly code = "ENACT_APPROVAL" as const;

  constructor(
    readonly reason: ApprovalRefusal,
    readonly approvalId: string,
    detail: string,
  ) {
    super(`Approval request ${approvalId}: ${detail}`);
  }
}
