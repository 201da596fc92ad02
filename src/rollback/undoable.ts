import type { ActionResult } from "../models.js";

/** Name of the pseudo-action a rollback receipt records for a change that has no undo. */
export const NOT_UNDOABLE = "not_undoable";

/** What a connector's `undo` may look at besides the action it undoes. */
export interface UndoContext {
  /** Every action of the run being rolled back, in the order they ran (as its signed receipt recorded them). */
  readonly actions: readonly ActionResult[];
  /** Position of the action being undone in `actions`. */
  readonly index: number;
}

/**
 * A connector that can undo its own actions. `EnactClient.rollback()` calls `undo` for each
 * successful action of a run that changed something, newest first, on the system registered
 * under the action's `system` name.
 *
 * Contract:
 * - Resolve with the undo's ActionResult: `action` is the undo action performed (an allowlisted
 *   action of the connector, e.g. `close_pr`), or {@link NOT_UNDOABLE} when the change cannot be
 *   undone, with the reason in `output.error`. `alreadyDone: true` when the change was already undone.
 * - Resolve with `undefined` when the action changed nothing (a read).
 * - Throw `PermissionError` (the allowlist check, before any I/O) when the undo action is not
 *   allowed; the rollback records it as not undone. Never throw for API failures.
 * - Leave alone anything changed by someone else since the run (report it, `success: false`).
 */
export interface Undoable {
  undo(action: ActionResult, context: UndoContext): Promise<ActionResult | undefined>;
}

/** True when `system` has an `undo` method. */
export function isUndoable(system: unknown): system is Undoable {
  return typeof system === "object" && system !== null && typeof (system as { undo?: unknown }).undo === "function";
}

/** The result for a change that cannot be undone, saying why. */
export function notUndoable(system: string, reason: string, details: Record<string, unknown> = {}): ActionResult {
  return { action: NOT_UNDOABLE, system, success: false, output: { error: reason, ...details } };
}
