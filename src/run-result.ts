import type { ActionResult, Receipt, RunResult } from "./models.js";

/**
 * The RunResult a receipt stands for (also what a replay returns): everything a caller — or a
 * model, through an adapter — needs without reading the receipt. `success` and `output` keep
 * their first meaning; `actions` keeps every action's output, even when two share a name.
 */
export function resultFromReceipt(receipt: Receipt): RunResult {
  const taken = receipt.actionsTaken;
  const succeeded = taken.filter((action) => action.success);
  const result: RunResult = {
    success: receipt.decision === "PASS" && receipt.error === undefined && succeeded.length === taken.length,
    workflow: receipt.workflow,
    output: Object.fromEntries(succeeded.map((action) => [action.action, action.output])),
    decision: receipt.decision,
    runId: receipt.runId,
    reasons: failedReasons(receipt),
    errors: errorsOf(taken, receipt.error),
    actions: taken.map(summary),
  };
  if (receipt.approvalRequest !== undefined) result.approvalRequestId = receipt.approvalRequest.id;
  return result;
}

/** Each failed policy as `"policy: reason"`, in the receipt's order. */
function failedReasons(receipt: Receipt): string[] {
  const reasons: string[] = [];
  for (const result of receipt.policyResults) if (result.passed !== true) reasons.push(`${result.policy}: ${result.reason}`);
  return reasons;
}

/** `"system.action: message"` for each failed action, then the workflow's own error. */
function errorsOf(actions: readonly ActionResult[], workflowError: string | undefined): string[] {
  const errors: string[] = [];
  for (const action of actions) {
    if (action.success) continue;
    const message = action.output.error;
    errors.push(`${action.system}.${action.action}: ${typeof message === "string" ? message : "failed"}`);
  }
  if (workflowError !== undefined) errors.push(`workflow: ${workflowError}`);
  return errors;
}

/** An action as the caller sees it: what was done and what came back, without rollback data. */
function summary(action: ActionResult): RunResult["actions"][number] {
  const seen: RunResult["actions"][number] = { action: action.action, system: action.system, success: action.success, output: action.output };
  if (action.alreadyDone !== undefined) seen.alreadyDone = action.alreadyDone;
  return seen;
}
