import type { Decision, RunResult } from "../models.js";

/**
 * What an adapter returns to the model for one tool call: compact and honest. A BLOCK says which
 * policies failed and why, a failure says which action broke, and `runId` names the receipt.
 */
export interface ToolOutcome {
  /** PASS (the workflow ran), BLOCK (a policy refused; nothing ran) or PENDING_APPROVAL (waiting for a person). */
  decision: Decision;
  /** True only for a PASS in which every action succeeded. */
  success: boolean;
  /** The run's id: its signed receipt is stored under it. */
  runId: string;
  /** Each successful action's output by action name; a repeated name gets `#2`, `#3`, ... so nothing is lost. */
  output: Record<string, unknown>;
  /** Each failed policy as `"policy: reason"`. */
  reasons: string[];
  /** Each failed action as `"system.action: message"`, and `"workflow: message"` when the workflow threw. */
  errors: string[];
  /** True when every action found its effect already in place: nothing changed. */
  alreadyDone?: true;
  /** On PENDING_APPROVAL: the Enact approval request a person must approve. */
  approvalRequestId?: string;
  /** True when this is the stored outcome of an earlier identical call: nothing ran now. */
  replayed?: true;
}

/** The model-facing outcome of a run. */
export function toToolOutcome(result: RunResult): ToolOutcome {
  const output: Record<string, unknown> = {};
  const seen = new Map<string, number>();
  const actions = result.actions ?? [];
  for (const action of actions) {
    if (!action.success) continue;
    const count = (seen.get(action.action) ?? 0) + 1;
    seen.set(action.action, count);
    output[count === 1 ? action.action : `${action.action}#${count}`] = action.output;
  }
  const outcome: ToolOutcome = {
    decision: result.decision,
    success: result.success,
    runId: result.runId,
    output,
    reasons: result.reasons,
    errors: result.errors,
  };
  if (actions.length > 0 && actions.every((action) => action.alreadyDone === true)) outcome.alreadyDone = true;
  if (result.approvalRequestId !== undefined) outcome.approvalRequestId = result.approvalRequestId;
  if (result.replayed === true) outcome.replayed = true;
  return outcome;
}

/** One line a person (or a model) can read: the decision and what stopped or broke it. */
export function summarizeOutcome(outcome: ToolOutcome): string {
  if (outcome.decision === "PENDING_APPROVAL") {
    return `PENDING_APPROVAL: ${outcome.reasons.join("; ")} (approval request ${outcome.approvalRequestId ?? "?"}, run ${outcome.runId})`;
  }
  if (outcome.decision !== "PASS") return `${outcome.decision}: ${outcome.reasons.join("; ") || "refused"} (run ${outcome.runId})`;
  if (!outcome.success) return `FAILED: ${outcome.errors.join("; ") || "an action failed"} (run ${outcome.runId})`;
  return `PASS${outcome.alreadyDone === true ? " (already done)" : ""} (run ${outcome.runId})`;
}
