import { EnactError } from "../errors.js";

/** Why `rollback()` refused to start. Nothing was undone and no receipt was written. */
export type RollbackRefusal =
  /** The client was built without `rollbackEnabled: true`. */
  | "disabled"
  /** No receipt with that run id is in the client's store (or the id is not a run id). */
  | "not-found"
  /** The stored receipt's signature does not verify with the client's secret. */
  | "tampered"
  /** The receipt is itself a rollback's receipt; undoing an undo is not supported. */
  | "is-rollback";

/**
 * `rollback()` would not start. `reason` says why; the run's systems were not touched.
 *
 * @example
 * try {
 *   await enact.rollback(runId);
 * } catch (error) {
 *   if (error instanceof RollbackRefusedError && error.reason === "tampered") alertSecurity(runId);
 * }
 */
export class RollbackRefusedError extends EnactError {
  readonly code = "ENACT_ROLLBACK_REFUSED" as const;

  constructor(
    readonly reason: RollbackRefusal,
    readonly runId: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The stored receipt of the run to roll back does not verify: a field was changed, it was signed
 * with another secret, or it is stored under another run's id. A rollback acts only on what a
 * receipt signed by this client's secret says, so it refuses.
 */
export class TamperedReceiptError extends RollbackRefusedError {
  constructor(runId: string, detail: string) {
    super(
      "tampered",
      runId,
      `Refusing to roll back run ${runId}: its stored receipt ${detail}. Rollback only acts on receipts ` +
        "whose signature verifies with this client's secret; restore the original receipt or undo the run by hand.",
    );
  }
}
