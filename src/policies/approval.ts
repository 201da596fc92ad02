import type { PolicyResult, WorkflowContext } from "../models.js";
import { definePolicy, type Policy } from "../policy.js";

export { thermalCutout, type ThermalCutoutOptions } from "../approvals/thermal-cutout.js";

/** A condition on the request: sync or async. */
export type RequestCondition = (ctx: WorkflowContext) => boolean | Promise<boolean>;

/**
 * Fails as "needs approval" when `when(ctx)` is true: the run is then `PENDING_APPROVAL` (unless
 * another policy refuses outright) and executes only with a person's approval of exactly this
 * request. Passes otherwise.
 *
 * @example
 * requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500, { reason: "Refunds over $500 need a person" })
 */
export function requireApproval(name: string, when: RequestCondition, options: { reason?: string } = {}): Policy {
  const reason = options.reason ?? "This request needs a person's approval";
  const failed: PolicyResult = { policy: name, passed: false, reason, requiresApproval: true };
  return conditional(name, when, failed);
}

/**
 * Refuses when `when(ctx)` is true, and no approval can lift it (the non-delegable list): it is
 * checked again on an approved run. Passes otherwise.
 *
 * @example
 * neverAllow("no_production_drop", (ctx) => /drop/i.test(String(ctx.payload.sql)), "Dropping production tables is never delegated")
 */
export function neverAllow(name: string, when: RequestCondition, reason: string): Policy {
  return conditional(name, when, { policy: name, passed: false, reason });
}

function conditional(name: string, when: RequestCondition, failed: PolicyResult): Policy {
  const passed: PolicyResult = { policy: name, passed: true, reason: "Condition not met" };
  // Sync conditions answer without a promise, so the run still decides in the same tick.
  const verdict = (matched: boolean): PolicyResult => (matched === true ? { ...failed } : { ...passed });
  return definePolicy(name, (ctx: WorkflowContext) => {
    const matched = when(ctx);
    return typeof (matched as { then?: unknown } | null)?.then === "function" ? (matched as Promise<boolean>).then(verdict) : verdict(matched as boolean);
  });
}
