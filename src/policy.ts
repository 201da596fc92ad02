import { within } from "./deadline.js";
import { ConfigurationError } from "./errors.js";
import type { PolicyResult, WorkflowContext } from "./models.js";

/** A deterministic check: plain code, no LLM. Sync or async. */
export type Policy = (ctx: WorkflowContext) => PolicyResult | Promise<PolicyResult>;

/** What `definePolicy` may declare besides the name. */
export interface PolicyOptions {
  /**
   * The policy's declared version (e.g. `"2"`, `"2026-12-01"`): part of the policy-set digest in
   * every receipt, so bump it whenever the policy's rules change.
   */
  version?: string;
}

// Declared versions, kept beside the function rather than on it: nothing a policy's author
// writes onto the function can change what the receipt says was declared.
const VERSIONS = new WeakMap<Policy, string>();

/**
 * Gives a policy a stable name, and optionally a version. Receipts already carry the name the
 * policy reports in its result; this name is the one used when the policy throws or returns
 * garbage, and it survives minification. Name and version make up the receipt's `policySet.digest`.
 *
 * @example
 * export const businessHoursOnly = definePolicy("business_hours_only", (ctx) => ({ ... }), { version: "2" });
 */
export function definePolicy<P extends Policy>(name: string, policy: P, options?: PolicyOptions): P {
  Object.defineProperty(policy, "name", { value: name, configurable: true });
  const version = options?.version;
  if (version !== undefined) {
    if (typeof version !== "string" || version === "") throw new TypeError(`definePolicy("${name}"): version must be a non-empty string`);
    VERSIONS.set(policy, version);
  } else {
    VERSIONS.delete(policy);
  }
  return policy;
}

/** The version `definePolicy` declared for `policy`, if any. */
export function policyVersion(policy: Policy): string | undefined {
  return VERSIONS.get(policy);
}

/** The name recorded for a policy that failed to produce a result. */
export function policyName(policy: Policy): string {
  return policy.name !== "" ? policy.name : "anonymous_policy";
}

/**
 * How long an async policy may take to decide before it counts as failed, by default: 10 s. A
 * policy is plain code; one that waits on something that never answers must not hold the run,
 * and the agent behind it, forever with no receipt.
 */
export const DEFAULT_POLICY_TIMEOUT_MS = 10_000;

/** Options of `evaluateAll`. */
export interface EvaluateOptions {
  /**
   * How long to wait for async policies, in ms (default `DEFAULT_POLICY_TIMEOUT_MS`). A policy
   * still undecided then counts as failed, with that as its reason; `Infinity` waits for ever.
   */
  timeoutMs?: number;
}

/**
 * Runs every policy against the context and returns every result, in registration order. It
 * never stops early, so the receipt shows every reason a request was blocked. It fails closed:
 * a policy that throws, rejects, returns something that is not a PolicyResult, or has not decided
 * within `timeoutMs`, counts as failed, with what went wrong as its reason. Async policies run
 * concurrently.
 */
export async function evaluateAll(ctx: WorkflowContext, policies: readonly Policy[], options: EvaluateOptions = {}): Promise<PolicyResult[]> {
  return evaluatePolicies(ctx, policies, policyTimeoutMs(options.timeoutMs));
}

/**
 * `evaluateAll`, answering without a promise when every policy answered synchronously: `run()`
 * then decides in the same tick (a policy is usually a few comparisons; a round through the
 * microtask queue costs more). `timeoutMs` as checked by `policyTimeoutMs`.
 */
export function evaluatePolicies(
  ctx: WorkflowContext,
  policies: readonly Policy[],
  timeoutMs = DEFAULT_POLICY_TIMEOUT_MS,
): PolicyResult[] | Promise<PolicyResult[]> {
  const outcomes: Array<PolicyResult | Promise<PolicyResult>> = new Array(policies.length);
  let pending = false;
  for (let index = 0; index < policies.length; index++) {
    const outcome = callPolicy(policies[index] as Policy, ctx);
    pending ||= outcome instanceof Promise;
    outcomes[index] = outcome;
  }
  return pending ? settleInTime(policies, outcomes, timeoutMs) : (outcomes as PolicyResult[]);
}

/**
 * The policy timeout given to the client or `evaluateAll`, checked: a positive number of ms, or
 * `Infinity`. Default `DEFAULT_POLICY_TIMEOUT_MS`.
 */
export function policyTimeoutMs(given: unknown): number {
  if (given === undefined) return DEFAULT_POLICY_TIMEOUT_MS;
  // NaN (Number() of an unset variable) or a string would make every async policy time out at once.
  if (typeof given !== "number" || !(given > 0)) {
    throw new ConfigurationError(`policyTimeoutMs must be a positive number of ms (or Infinity), got ${String(given)}.`);
  }
  return given;
}

/**
 * Every outcome once all are settled, or at `timeoutMs`, whichever is first: a policy still
 * undecided then is a failure, and what it decides later is ignored.
 */
function settleInTime(policies: readonly Policy[], outcomes: ReadonlyArray<PolicyResult | Promise<PolicyResult>>, timeoutMs: number): Promise<PolicyResult[]> {
  // Each async policy's result as it comes: those still missing at the deadline timed out.
  const results = outcomes.map((outcome) => (outcome instanceof Promise ? undefined : outcome));
  const settled = Promise.all(
    outcomes.map((outcome, index) => (outcome instanceof Promise ? outcome.then((result) => (results[index] = result)) : outcome)),
  );
  return within(settled, timeoutMs, () => results.map((result, index) => result ?? timedOut(policies[index] as Policy, timeoutMs)));
}

function timedOut(policy: Policy, timeoutMs: number): PolicyResult {
  return { policy: policyName(policy), passed: false, reason: `Policy did not decide within ${timeoutMs} ms (policyTimeoutMs): counted as failed` };
}

/** True when every result passed; an empty list passes. */
export function allPassed(results: readonly PolicyResult[]): boolean {
  return results.every((result) => result.passed === true);
}

function callPolicy(policy: Policy, ctx: WorkflowContext): PolicyResult | Promise<PolicyResult> {
  try {
    const outcome = policy(ctx);
    // Any thenable is adopted by a real promise: one whose then() throws, returns nothing or calls
    // back twice is then a policy like any other, settled once.
    return isThenable(outcome)
      ? Promise.resolve(outcome).then(
          (result) => checkedOrThrew(policy, result),
          (error: unknown) => threw(policy, error),
        )
      : checkResult(policy, outcome);
  } catch (error) {
    return threw(policy, error);
  }
}

// Reading a result's fields may throw (getters, proxies): that is a failed policy too, never a rejection.
function checkedOrThrew(policy: Policy, result: unknown): PolicyResult {
  try {
    return checkResult(policy, result);
  } catch (error) {
    return threw(policy, error);
  }
}

// Copies the three fields (and `requiresApproval: true` on a failure) so nothing else a policy
// attached ends up in the signed receipt.
function checkResult(policy: Policy, result: unknown): PolicyResult {
  const candidate = result as Partial<PolicyResult> | null | undefined;
  if (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.policy === "string" &&
    typeof candidate.passed === "boolean" &&
    typeof candidate.reason === "string"
  ) {
    if (candidate.requiresApproval === true && !candidate.passed) {
      return { policy: candidate.policy, passed: false, reason: candidate.reason, requiresApproval: true };
    }
    return { policy: candidate.policy, passed: candidate.passed, reason: candidate.reason };
  }
  return {
    policy: policyName(policy),
    passed: false,
    reason: "Policy returned an invalid result (expected { policy: string, passed: boolean, reason: string })",
  };
}

function threw(policy: Policy, error: unknown): PolicyResult {
  return { policy: policyName(policy), passed: false, reason: `Policy threw: ${describeError(error)}` };
}

/**
 * A one-line description of anything thrown. Never throws itself, whatever was thrown (a proxy
 * whose every trap throws, an error whose `message` getter throws): it is called where a receipt
 * must still be written.
 */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return `${String(error.name)}: ${String(error.message)}`;
    if (typeof error === "string") return error;
    try {
      return JSON.stringify(error) ?? String(error);
    } catch {
      return String(error);
    }
  } catch {
    return "A value that cannot be described (reading it threw)";
  }
}

/** True for a promise or any other thenable: what a policy or a lookup may answer with instead of a value. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
