import type { PolicyResult, WorkflowContext } from "./models.js";
import { evaluatePolicies, type Policy } from "./policy.js";

/**
 * Runs the shadow policies against a run's context: their results go into `receipt.shadowResults`
 * and never into the decision (what a candidate rule would have said, on real traffic). They are
 * evaluated exactly as the deciding policies are (`evaluatePolicies`): a shadow policy that throws,
 * returns garbage or does not decide within `timeoutMs` is recorded as failed with the reason,
 * and never fails the run itself. Each result is a copy, so a shadow policy's result object
 * cannot be changed afterwards.
 */
export function evaluateShadow(ctx: WorkflowContext, shadows: readonly Policy[], timeoutMs?: number): PolicyResult[] | Promise<PolicyResult[]> {
  // The deciding policies already saw (and may share) this context: shadows get a shallow copy,
  // so one assigning ctx.actorRole or ctx.payload cannot change what the receipt records.
  const copy: WorkflowContext = { ...ctx };
  return evaluatePolicies(copy, shadows, timeoutMs);
}
