import type { Decision, Payload, PolicyResult, Receipt, WorkflowContext } from "../models.js";
import { cutoutOf } from "../approvals/thermal-cutout.js";
import { allPassed, evaluatePolicies, type Policy } from "../policy.js";
import type { ActorRoles } from "../client-options.js";

/**
 * Checks the client makes itself, before or around the policies: a change of policies cannot
 * change their verdict, so a replay carries their failures over from the stored receipt.
 */
const BUILT_IN_CHECKS: ReadonlySet<string> = new Set(["actor_identity", "payload_schema", "actor_role", "kill_switch", "connector_allowlist"]);

/** What a replay needs besides the candidate policies. */
export interface ReplaySettings {
  policies: readonly Policy[];
  systems?: Readonly<Record<string, unknown>>;
  actorRoles?: ActorRoles;
}

/** One stored run evaluated again under the candidate policies. */
export interface ReplayOutcome {
  runId: string;
  timestamp: string;
  workflow: string;
  actorEmail: string;
  before: Decision;
  after: Decision;
  changed: boolean;
  /** The candidate policies' results (thermal cutouts are not replayed: they count live traffic). */
  results: PolicyResult[];
}

/**
 * Evaluates `settings.policies` against a stored (and already verified) receipt's workflow, actor
 * and payload, exactly as `EnactClient.run()` does (same evaluation, fail closed), executing
 * nothing. The decision it would have had:
 * - BLOCK when the receipt failed one of the client's own checks (actor, payload schema, role,
 *   kill switch, connector allowlist): policies cannot change those;
 * - else PASS when every candidate policy passes; PENDING_APPROVAL when every failure
 *   `requiresApproval` (PASS if the run was made with an approval); BLOCK otherwise.
 * Thermal cutouts are skipped (their count is of live runs). Roles come from `settings.actorRoles`
 * when given, else from `payload.actorRole`, as the client does.
 */
export async function replayReceipt(receipt: Receipt, settings: ReplaySettings): Promise<ReplayOutcome> {
  const carried = receipt.policyResults.filter((result) => BUILT_IN_CHECKS.has(result.policy) && result.passed !== true);
  const ctx: WorkflowContext = {
    workflow: receipt.workflow,
    actorEmail: receipt.actorEmail,
    payload: deepFreeze(structuredClone(receipt.payload) as Payload),
    systems: Object.freeze({ ...settings.systems }),
  };
  const role = await roleOf(settings.actorRoles, receipt);
  if (role !== undefined) ctx.actorRole = role;
  const checks = settings.policies.filter((policy) => cutoutOf(policy) === undefined);
  const results = await evaluatePolicies(ctx, checks);
  let after: Decision;
  if (carried.length > 0) after = "BLOCK";
  else if (allPassed(results)) after = "PASS";
  else if (results.every((result) => result.passed || result.requiresApproval === true)) after = receipt.approval !== undefined ? "PASS" : "PENDING_APPROVAL";
  else after = "BLOCK";
  const before = receipt.decision;
  return { runId: receipt.runId, timestamp: receipt.timestamp, workflow: receipt.workflow, actorEmail: receipt.actorEmail, before, after, changed: before !== after, results };
}

/** True for receipts a replay skips: rollbacks and reconciliations (no policy decided them). */
export function notReplayable(receipt: Receipt): string | undefined {
  if (receipt.rollbackOf !== undefined) return "a rollback receipt (no policy decided it)";
  if (receipt.decision === "PARTIAL") return "a PARTIAL receipt (rollbacks only)";
  if (receipt.note?.startsWith("Reconciled after a crash") === true) return "a reconciliation receipt (no policy decided it)";
  return undefined;
}

async function roleOf(roles: ActorRoles | undefined, receipt: Receipt): Promise<string | undefined> {
  try {
    if (typeof roles === "function") {
      const role = await roles(receipt.actorEmail);
      return typeof role === "string" ? role : undefined;
    }
    if (roles !== undefined) return Object.hasOwn(roles, receipt.actorEmail) ? roles[receipt.actorEmail] : undefined;
    const fromPayload = receipt.payload.actorRole;
    return typeof fromPayload === "string" ? fromPayload : undefined;
  } catch {
    return undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
