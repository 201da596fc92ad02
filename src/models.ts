import { z } from "zod/v4";

/** A JSON value: what receipts hold once values have been made JSON-safe. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What an agent asked a workflow to do. Keys are the workflow's own business. */
export const Payload = z.record(z.string(), z.unknown());
export type Payload = z.infer<typeof Payload>;

/** Everything a policy or workflow may look at for one run. */
export const WorkflowContext = z.object({
  /** Name of the workflow being run, e.g. `db_safe_insert`. */
  workflow: z.string(),
  /** Who asked: the agent's (or its operator's) email. */
  actorEmail: z.string(),
  /** The actor's role, resolved by the client from a trusted source when one is configured. */
  actorRole: z.string().optional(),
  /** The request's parameters. */
  payload: Payload,
  /** Registered connectors by system name (`postgres`, `github`, `hubspot`, ...). */
  systems: z.record(z.string(), z.unknown()),
});
export type WorkflowContext<P extends Payload = Payload> = Omit<z.infer<typeof WorkflowContext>, "payload"> & {
  payload: P;
};

/** One policy's verdict. */
export const PolicyResult = z.object({
  /** The policy's stable name, e.g. `no_push_to_main`. */
  policy: z.string(),
  passed: z.boolean(),
  /** Why it passed or failed, in words an auditor can read. */
  reason: z.string(),
  /** On a failure: a person's approval may lift it (see `requireApproval`). Absent otherwise. */
  requiresApproval: z.literal(true).optional(),
});
export type PolicyResult = z.infer<typeof PolicyResult>;

/** The outcome of one action a workflow took on a system. */
export const ActionResult = z.object({
  /** Action name, e.g. `insert_row`. */
  action: z.string(),
  /** System name, e.g. `postgres`. */
  system: z.string(),
  success: z.boolean(),
  /** What the system answered, or `{ error }` when it failed. */
  output: z.record(z.string(), z.unknown()),
  /** True when the action found its effect already in place and changed nothing. */
  alreadyDone: z.boolean().optional(),
  /** What is needed to undo this action later. */
  rollbackData: z.record(z.string(), z.unknown()).optional(),
});
export type ActionResult = z.infer<typeof ActionResult>;

/**
 * `PASS`: every policy passed and the workflow ran (for a rollback: every change was undone).
 * `BLOCK`: a policy failed; nothing ran. `PARTIAL`: only on rollback receipts: some changes of the
 * run could not be undone; its `actionsTaken` says which and why. `PENDING_APPROVAL`: every
 * failing policy requires a person's approval; nothing ran, the receipt carries `approvalRequest`.
 */
export const Decision = z.enum(["PASS", "BLOCK", "PARTIAL", "PENDING_APPROVAL"]);
export type Decision = z.infer<typeof Decision>;

/** The signed record of one run: who asked, what was decided, why, and what changed. */
export const Receipt = z.object({
  /** A random UUID naming this run. */
  runId: z.uuid(),
  workflow: z.string(),
  actorEmail: z.string(),
  payload: z.record(z.string(), z.unknown()),
  policyResults: z.array(PolicyResult),
  decision: Decision,
  actionsTaken: z.array(ActionResult),
  /** ISO-8601 UTC time the receipt was built. */
  timestamp: z.iso.datetime(),
  /**
   * Lowercase hex over the receipt's canonical form (without `signature`): HMAC-SHA256 (64 digits)
   * by default, Ed25519 (128 digits) when `signatureAlgorithm` is `"ed25519"`; `""` before signing.
   */
  signature: z.union([z.literal(""), z.string().regex(/^[0-9a-f]{64}$/), z.string().regex(/^[0-9a-f]{128}$/)]),
  /** `"ed25519"` on a receipt signed with a `signingKey`; absent on HMAC receipts. Signed. */
  signatureAlgorithm: z.literal("ed25519").optional(),
  /** On an Ed25519 receipt: the id of the key that signed it (pick the public key by it). Signed. */
  keyId: z.string().optional(),
  /** The policies that decided the run: the client's `policySetVersion` and the policy-set digest. */
  policySet: z.object({ version: z.string().optional(), digest: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  /** What the client's shadow policies said of this run; never part of the decision. */
  shadowResults: z.array(PolicyResult).optional(),
  /** On a dry run (`run({ ..., dryRun: true })`): nothing was executed; `decision` is what the run would have had. */
  dryRun: z.literal(true).optional(),
  /** The idempotency key the caller supplied, if any. */
  idempotencyKey: z.string().optional(),
  /** Why the workflow stopped, when it threw. */
  error: z.string().optional(),
  /** Set by `reconcile()` on the receipt it writes for a run that crashed after claiming its key. */
  note: z.string().optional(),
  /** Set on the receipt `rollback()` writes: the run id of the run it rolled back. */
  rollbackOf: z.uuid().optional(),
  /** On a `PENDING_APPROVAL` receipt: the request a person may approve, bound to exactly this request. */
  approvalRequest: z.object({ id: z.uuid(), digest: z.string().regex(/^[0-9a-f]{64}$/), expiresAt: z.iso.datetime() }).optional(),
  /** On a run made with `approvalId`: the approval that lifted its `requiresApproval` failures. */
  approval: z.object({ id: z.uuid(), approver: z.string(), approvedAt: z.iso.datetime() }).optional(),
});
export type Receipt = z.infer<typeof Receipt>;

/** What `run()` returns to the agent besides the receipt. */
export const RunResult = z.object({
  /** True only for a PASS in which every action succeeded. */
  success: z.boolean(),
  workflow: z.string(),
  /** Each successful action's output, keyed by action name. */
  output: z.record(z.string(), z.unknown()),
  /** True when this is the stored outcome of an earlier run with the same idempotency key: nothing ran now. */
  replayed: z.boolean().optional(),
  /** On `PENDING_APPROVAL`: the id of the approval request to approve, then to pass back as `approvalId`. */
  approvalRequestId: z.string().optional(),
  /** The receipt's decision: PASS, BLOCK or PENDING_APPROVAL (PARTIAL for a rollback). */
  decision: Decision,
  /** The receipt's run id: where to look for the whole story. */
  runId: z.string(),
  /** Each failed policy as `"policy: reason"`; empty when every policy passed. */
  reasons: z.array(z.string()),
  /** Each failed action as `"system.action: message"`, then `"workflow: message"` when the workflow threw. */
  errors: z.array(z.string()),
  /** Every action in order, failed ones included: no output is lost when two actions share a name. */
  actions: z.array(ActionResult.omit({ rollbackData: true })),
});
export type RunResult = z.infer<typeof RunResult>;
