import { ActionRecorder, isActionResult, isPermissionError } from "./action-recorder.js";
import { randomUUID } from "node:crypto";
import { ConfigurationError, type PermissionError, ReceiptWriteError, UnknownWorkflowError } from "./errors.js";
import { admitToCutouts } from "./approvals/cutouts.js";
import { ApprovalDesk, type PendingApproval } from "./approvals/desk.js";
import { approvalDigest } from "./approvals/digest.js";
import { KillSwitch, type HaltStatus } from "./approvals/kill-switch.js";
import { ControlSigner, type ApprovalDecisionRecord, type HaltRecord } from "./approvals/records.js";
import { cutoutOf, type CutoutSpec } from "./approvals/thermal-cutout.js";
import {
  registerWorkflows,
  resolveSecret,
  type ActorRoles,
  type EnactClientOptions,
  type Reconciliation,
  type ReconcileResult,
  type RegisteredWorkflow,
  type RunRequest,
} from "./client-options.js";
import { KeyedRuns, requestFingerprint, resultFromReceipt } from "./idempotency.js";
import { toFrozenJsonSafeObject, wellFormed } from "./json-safe.js";
import type { ActionResult, Decision, Payload, PolicyResult, Receipt, RunResult, WorkflowContext } from "./models.js";
import { within } from "./deadline.js";
import { allPassed, describeError, evaluatePolicies, isThenable, policyName, policyTimeoutMs, type Policy } from "./policy.js";
import { buildReceipt, type SignedReceipt } from "./receipt.js";
import { recordableActions } from "./recordable-actions.js";
import { RollbackEngine, type RollbackOptions } from "./rollback/engine.js";
import { checkPayload, type PayloadCheck } from "./payload-check.js";
import { describeWorkflows, type WorkflowDescription } from "./workflow-catalog.js";
import { FileReceiptStore } from "./stores/file-store.js";
import type { ReceiptStore } from "./stores/receipt-store.js";
import { JournalKey } from "./journal/key.js";
// Issue 25: Ed25519 signing, policy-set identity, shadow policies, dry runs and tracing live in their own modules.
import { ClientSigner, internalSecretFrom } from "./signing/client-signer.js";
import { policySetIdentity } from "./policy-set.js";
import { evaluateShadow } from "./shadow.js";
import { startRunTrace, type RunTrace } from "./telemetry.js";

/**
 * The firewall. Agents call `run()`; every policy is checked, the workflow runs only if all
 * pass, and every run leaves exactly one signed receipt in the store before `run()` resolves.
 *
 * @example
 * const enact = new EnactClient({ systems: { postgres }, policies: [blockDdl], workflows: [dbSafeInsert] });
 * const [result, receipt] = await enact.run({
 *   workflow: "db_safe_insert",
 *   actorEmail: "agent@company.com",
 *   payload: { table: "leads", data: { email: "jane@acme.com" }, uniqueKey: "email" },
 * });
 */
export class EnactClient {
  readonly #systems: Readonly<Record<string, unknown>>;
  readonly #policies: readonly Policy[];
  readonly #workflows: ReadonlyMap<string, RegisteredWorkflow>;
  readonly #signer: ClientSigner;
  readonly #shadows: readonly Policy[];
  readonly #policyTimeoutMs: number;
  readonly #secret: string;
  readonly #store: ReceiptStore;
  readonly #actorRoles: ActorRoles | undefined;
  readonly #keyedRuns: KeyedRuns;
  readonly #rollback: RollbackEngine;
  // Issue 23: thermal cutouts are counted in the store, apart from the other policies; the names
  // of all policies, in order, are the policy set an approval is bound to.
  readonly #checks: readonly Policy[];
  readonly #cutouts: readonly CutoutSpec[];
  readonly #policySet: readonly string[];
  readonly #desk: ApprovalDesk;
  readonly #killSwitch: KillSwitch;
  readonly #now: () => number;

  constructor(options: EnactClientOptions = {}) {
    // With an Ed25519 signingKey the secret is optional; without one, the client derives its own
    // for approval and kill-switch records (see internalSecretFrom).
    const given = options.secret ?? process.env.ENACT_SECRET;
    const keyOnly = options.signingKey !== undefined && (given === undefined || given === "");
    this.#secret = keyOnly ? internalSecretFrom(options.signingKey as NonNullable<EnactClientOptions["signingKey"]>) : resolveSecret(options);
    this.#systems = Object.freeze({ ...options.systems });
    this.#policies = Object.freeze([...(options.policies ?? [])]);
    this.#shadows = Object.freeze([...(options.shadowPolicies ?? [])]);
    this.#policyTimeoutMs = policyTimeoutMs(options.policyTimeoutMs);
    const policySet = policySetIdentity(this.#policies, options.policySetVersion);
    this.#signer = new ClientSigner({ secret: keyOnly ? undefined : this.#secret, signingKey: options.signingKey, policySet });
    this.#workflows = registerWorkflows(options.workflows ?? []);
    this.#store = options.receiptStore ?? new FileReceiptStore(options.receiptDir ?? "receipts");
    // Tamper-evident journal (issue 8): the store gets a key derived from the secret, never the secret.
    // With Ed25519 the journal is a public hash chain, so a public-key holder can check it too.
    this.#store.attachJournal?.(this.#signer.isEd25519 ? JournalKey.publicChain() : JournalKey.fromSecret(this.#secret));
    this.#actorRoles = options.actorRoles;
    // NaN (e.g. Number() of an unset variable) or a string would make the wait never time out.
    const waitMs = options.idempotencyWaitMs ?? 30_000;
    if (typeof waitMs !== "number" || !(waitMs >= 0)) {
      throw new ConfigurationError(`idempotencyWaitMs must be a number of ms, 0 or more, got ${String(waitMs)}.`);
    }
    this.#keyedRuns = new KeyedRuns(this.#store, waitMs, (receipt) => this.#signer.verify(receipt));
    this.#rollback = new RollbackEngine({
      store: this.#store,
      signer: this.#signer,
      systems: this.#systems,
      keyedRuns: this.#keyedRuns,
      secret: this.#secret,
      enabled: options.rollbackEnabled === true,
    });
    this.#now = options.now ?? Date.now;
    this.#cutouts = this.#policies.map(cutoutOf).filter((spec) => spec !== undefined);
    this.#checks = this.#policies.filter((policy) => cutoutOf(policy) === undefined);
    this.#policySet = Object.freeze(this.#policies.map(policyName));
    const ttlMs = options.approvalTtlMs ?? 24 * 60 * 60 * 1000;
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new ConfigurationError(`approvalTtlMs must be a positive integer of ms, got ${String(ttlMs)}.`);
    const controlSigner = new ControlSigner(this.#secret);
    this.#desk = new ApprovalDesk(this.#store, controlSigner, { approvers: options.approvers, ttlMs, now: this.#now });
    this.#killSwitch = new KillSwitch(this.#store, controlSigner, this.#now);
  }

  /**
   * Records a person's approval of request `id` (a `PENDING_APPROVAL` run's `approvalRequestId`),
   * signed, in the store. Rejects with `ApprovalError` (`reason`: unknown, expired, decided,
   * self_approval, not_an_approver) and records nothing when it may not be given.
   */
  approve(id: string, options: { approver: string; note?: string }): Promise<ApprovalDecisionRecord> {
    return this.#desk.decide(id, "approved", { approver: options?.approver, note: options?.note });
  }

  /** Records a person's refusal of request `id`; the request can then never run. Rejects as `approve` does. */
  deny(id: string, options: { approver: string; reason?: string }): Promise<ApprovalDecisionRecord> {
    return this.#desk.decide(id, "denied", { approver: options?.approver, reason: options?.reason });
  }

  /** The open approval requests of this client's store: undecided and unexpired, oldest first. */
  pendingApprovals(): Promise<PendingApproval[]> {
    return this.#desk.pending();
  }

  /** Stops every run of every client sharing this store (a BLOCK by `kill_switch`, seen within 1 s). */
  halt(options: { by: string; reason: string }): Promise<HaltRecord> {
    return this.#killSwitch.halt(options);
  }

  /** Lets runs through again after `halt()`. */
  unhalt(options: { by: string }): Promise<HaltRecord> {
    return this.#killSwitch.unhalt(options);
  }

  /** The kill switch as stored now. */
  haltStatus(): Promise<HaltStatus> {
    return this.#killSwitch.status();
  }

  /** Names of the registered workflows. */
  get workflows(): string[] {
    return [...this.#workflows.keys()];
  }

  /** The registered workflows' names, descriptions and payload JSON Schemas: what agent adapters show a model. */
  describeWorkflows(): WorkflowDescription[] {
    return describeWorkflows(this.#workflows.values());
  }

  /** The store this client writes receipts to. */
  get receiptStore(): ReceiptStore {
    return this.#store;
  }

  /**
   * Waits until every receipt this client's store has written is fully recorded (the file store
   * journals receipts in the background). Call it before exiting with `process.exit()`.
   */
  async flush(): Promise<void> {
    await this.#store.flush?.();
  }

  /** True when `receipt` was signed with this client's secret and no field has changed since. */
  verifyReceipt(receipt: unknown): boolean {
    return this.#signer.verify(receipt);
  }

  /**
   * Checks every policy and, if all pass, runs the workflow. Resolves with the result and the
   * signed receipt, which is already stored. Rejects only for an unknown workflow
   * (`UnknownWorkflowError`) or a receipt that could not be stored (`ReceiptWriteError`).
   */
  async run(given: RunRequest): Promise<[RunResult, Receipt]> {
    const workflow = this.#workflows.get(given.workflow);
    if (workflow === undefined) throw new UnknownWorkflowError(String(given.workflow), this.workflows);
    const request = wellFormedRequest(given);

    // One JSON-safe snapshot: what the policies check is what the workflow gets and what the
    // receipt records, whatever the caller does to its payload object meanwhile.
    const { received, unreadable } = snapshotOf(request.payload);
    const key = request.idempotencyKey;
    // A dry run claims no key: it executes nothing, and must not make a real run replay it.
    if (key === undefined || request.dryRun === true) return this.#execute(workflow, request, received, randomUUID(), unreadable);
    if (typeof key !== "string" || key.length === 0 || key.length > 512) {
      throw new TypeError("idempotencyKey must be a string of 1 to 512 characters");
    }
    const actorEmail = printable(request.actorEmail);
    // An unreadable payload is recorded as {}: its fingerprint must still differ from a real {}'s.
    const recorded = unreadable === undefined ? received : { unreadablePayload: unreadable };
    // An approved run is another request than the one that asked for approval: one key cannot serve both.
    const fingerprinted = request.approvalId === undefined ? recorded : { payload: recorded, approvalId: printable(request.approvalId) };
    const fingerprint = requestFingerprint(workflow.name, actorEmail, fingerprinted);
    const keyed = { key, fingerprint, workflow: workflow.name, actorEmail, payload: received };
    return this.#keyedRuns.run(keyed, randomUUID(), (runId) => this.#execute(workflow, request, received, runId, unreadable));
  }

  /**
   * Undoes what run `runId` changed, using only what its signed receipt recorded, newest change
   * first, through the registered connectors' `undo` (each undo is an allowlisted action, e.g.
   * `close_pr`, `archive_contact`). Writes and resolves with a signed receipt of workflow
   * `rollback:<workflow>`, `rollbackOf: runId`, decision `PASS` when every change was undone or
   * `PARTIAL` when some were not (each with its reason). At most once per run: a second call
   * changes nothing and resolves with the first rollback's receipt (`replayed: true`).
   * Rejects with `RollbackRefusedError` (rollback not enabled, no such receipt, a receipt of a
   * rollback) or `TamperedReceiptError` (the receipt does not verify) before touching anything.
   *
   * @example
   * const enact = new EnactClient({ systems: { github }, workflows: [agentPrWorkflow], rollbackEnabled: true });
   * const [result, receipt] = await enact.rollback(runId, { actorEmail: "oncall@acme.dev" });
   * if (receipt.decision === "PARTIAL") console.log(receipt.actionsTaken.filter((undo) => !undo.success));
   */
  rollback(runId: string, options?: RollbackOptions): Promise<[RunResult, Receipt]> {
    return this.#rollback.rollback(runId, options);
  }

  /**
   * Settles an idempotency key whose run crashed after claiming it (`IdempotencyInProgressError`
   * with the run id). First check what that run changed in the systems, then either:
   * - `{ outcome: "failed" }`: writes a receipt for the crashed run saying so and frees the key,
   *   so the next run with it executes again; or
   * - `{ outcome: "completed", actionsTaken? }`: writes a receipt recording what it did; later runs
   *   with the key replay that receipt.
   * Only call it for a run that is really gone: a run still executing would be duplicated.
   */
  async reconcile(given: string, resolution: Reconciliation): Promise<ReconcileResult> {
    // Keys are claimed well formed (see wellFormedRequest): the same key must find its claim here.
    const key = typeof given === "string" ? wellFormed(given) : given;
    const claim = await this.#store.getClaim(key);
    if (claim === undefined || claim.state === "completed") return { status: "nothing-to-do" };
    // A receipt that does not verify settles nothing: it throws TamperedStoredReceiptError.
    const existing = await this.#keyedRuns.loadVerified(key, claim.runId);
    if (existing !== undefined) {
      await this.#store.updateClaim(key, claim.runId, "completed");
      return { status: "nothing-to-do", receipt: existing };
    }
    const failed = resolution.outcome === "failed";
    const { receipt, json } = this.#signer.signWithJson(
      buildReceipt({
        runId: claim.runId,
        workflow: claim.workflow,
        actorEmail: claim.actorEmail,
        payload: claim.payload,
        policyResults: [],
        decision: "PASS",
        actionsTaken: failed ? [] : (resolution.actionsTaken ?? []),
        idempotencyKey: key,
        error: failed ? "The run crashed after claiming its idempotency key; reconciled as failed." : undefined,
        note:
          `Reconciled after a crash (${claim.state} since ${claim.claimedAt}) as ${resolution.outcome}` +
          (resolution.note === undefined ? "." : `: ${resolution.note}`),
      }),
    );
    await this.#store.write(receipt, json);
    if (failed) {
      await this.#store.releaseClaim(key, claim.runId);
      return { status: "released", receipt };
    }
    await this.#store.updateClaim(key, claim.runId, "completed");
    return { status: "recorded", receipt };
  }

  async #execute(
    workflow: RegisteredWorkflow,
    request: RunRequest,
    received: Payload,
    runId: string,
    unreadable: string | undefined,
  ): Promise<[RunResult, Receipt]> {
    const trace = startRunTrace(workflow.name, runId);
    if (trace === undefined) return this.#executeTraced(workflow, request, received, runId, unreadable, undefined);
    try {
      return await this.#executeTraced(workflow, request, received, runId, unreadable, trace);
    } catch (error) {
      trace.fail(error);
      throw error;
    }
  }

  async #executeTraced(
    workflow: RegisteredWorkflow,
    request: RunRequest,
    received: Payload,
    runId: string,
    unreadable: string | undefined,
    trace: RunTrace | undefined,
  ): Promise<[RunResult, Receipt]> {
    const ctx: WorkflowContext = {
      workflow: workflow.name,
      actorEmail: request.actorEmail,
      payload: received,
      systems: this.#systems,
    };
    const dryRun = request.dryRun === true;
    const run: RunState = { request, received, ctx, runId, dryRun, trace };
    const checks = trace === undefined ? this.#checks : trace.wrapPolicies(this.#checks);
    const checked = unreadable === undefined ? this.#gate(workflow, request, ctx, checks) : [unreadablePayload(unreadable)];
    let gate = Array.isArray(checked) ? checked : await checked;
    if (this.#shadows.length > 0) {
      const shadow = evaluateShadow(ctx, trace === undefined ? this.#shadows : trace.wrapPolicies(this.#shadows, "shadow"), this.#policyTimeoutMs);
      run.shadowResults = Array.isArray(shadow) ? shadow : await shadow;
    }
    // The kill switch, from a cache of at most a second: no promise on most runs.
    const halt = this.#killSwitch.current();
    const halted = halt === null || !(halt instanceof Promise) ? halt : await this.#beforeSideEffects(request, runId, halt);
    if (halted !== null) gate = [...gate, halted];
    let approval: Receipt["approval"];
    if (request.approvalId !== undefined || !allPassed(gate)) {
      const outcome = await this.#approvalOutcome(run, gate);
      if ("finished" in outcome) return outcome.finished;
      approval = outcome.approval;
    }
    if (this.#cutouts.length > 0) {
      // Counted only now, when nothing else stops the run: the cutout counts runs that execute.
      const counted = await admitToCutouts(this.#store, this.#cutouts, ctx, this.#now(), dryRun);
      gate = [...gate, ...counted];
      if (!allPassed(counted)) return this.#finish(run, gate, "BLOCK", []);
    }

    // A store known to be failing stops the run here, before any side effect (fail closed).
    const writable = this.#store.assertWritable?.();
    if (writable !== undefined) await this.#beforeSideEffects(request, runId, writable);
    if (dryRun) {
      // Everything is evaluated; nothing is used up or executed.
      if (approval !== undefined) gate = [...gate, { policy: "approval", passed: true, reason: `Approval ${approval.id} by ${approval.approver} would be used (dry run: not used)` }];
      return this.#finish(run, gate, "PASS", []);
    }
    if (approval !== undefined) {
      // Used up before any side effect: of concurrent runs with one approval, one executes. A
      // crash after this leaves the approval used, never re-run (a person reconciles it).
      // A store that fails to record the use blocks the run too, with its own reason: "used by
      // another run" would send whoever reads the receipt looking for a run that never was.
      const won = await this.#desk.claim(approval.id, runId).catch((error: unknown) => `the approval's use could not be recorded: ${describeError(error)}`);
      if (won !== true) {
        const reason = won === false ? `approval ${approval.id} was already used by another run` : won;
        return this.#finish(run, [...gate, approvalFailure(reason)], "BLOCK", []);
      }
      gate = [...gate, { policy: "approval", passed: true, reason: `Approved by ${approval.approver} at ${approval.approvedAt} (request ${approval.id})` }];
      run.approval = approval;
    }
    // From here on the workflow may change things: a crash now must be reconciled, never re-run.
    if (request.idempotencyKey !== undefined) await this.#store.updateClaim(request.idempotencyKey, runId, "executing");
    const recorder = new ActionRecorder(trace?.observeAction);
    try {
      const actions = await workflow.run({ ...ctx, systems: recorder.wrap(this.#systems) });
      if (!Array.isArray(actions) || !actions.every(isActionResult)) {
        throw new TypeError(`Workflow ${workflow.name} must resolve to an array of ActionResults`);
      }
      // A refusal the workflow caught is still a refusal: the run is recorded as blocked.
      const refusal = recorder.refusal;
      if (refusal !== undefined) return this.#finish(run, refused(gate, refusal), "BLOCK", actions, describeError(refusal));
      return this.#finish(run, gate, "PASS", actions);
    } catch (error) {
      const refusal = recorder.refusal ?? (isPermissionError(error) ? error : undefined);
      if (refusal !== undefined) return this.#finish(run, refused(gate, refusal), "BLOCK", recorder.actions, describeError(error));
      return this.#finish(run, gate, "PASS", recorder.actions, describeError(error));
    }
  }

  /** `step`'s outcome; when it fails nothing ran, so the run's key is freed (best effort) for a retry once the store is back. */
  async #beforeSideEffects<T>(request: RunRequest, runId: string, step: T | Promise<T>): Promise<T> {
    try {
      return await step;
    } catch (error) {
      if (request.idempotencyKey !== undefined) await this.#store.releaseClaim(request.idempotencyKey, runId).catch(() => false);
      throw error;
    }
  }

  /**
   * The checks before a workflow may run: identity, payload schema, then every policy. Without a
   * promise when nothing on the way is asynchronous (no role lookup function, no async policy).
   */
  #gate(workflow: RegisteredWorkflow, request: RunRequest, ctx: WorkflowContext, checks: readonly Policy[]): PolicyResult[] | Promise<PolicyResult[]> {
    if (typeof request.actorEmail !== "string" || request.actorEmail.trim() === "") {
      return [{ policy: "actor_identity", passed: false, reason: "actorEmail must be a non-empty string" }];
    }
    if (request.payload !== undefined && (typeof request.payload !== "object" || Array.isArray(request.payload))) {
      return [{ policy: "payload_schema", passed: false, reason: "payload must be an object" }];
    }
    if (workflow.payloadSchema !== undefined) {
      const checked = checkPayload(workflow.payloadSchema, ctx.payload);
      if (checked instanceof Promise) {
        const ms = this.#policyTimeoutMs;
        return within(checked, ms, () => schemaTimedOut(ms)).then((settled) => this.#afterPayload(settled, request, ctx, checks));
      }
      return this.#afterPayload(checked, request, ctx, checks);
    }
    return this.#policiesFor(request, ctx, checks);
  }

  /** The policies' verdicts once the payload schema has had its say. */
  #afterPayload(checked: PayloadCheck, request: RunRequest, ctx: WorkflowContext, checks: readonly Policy[]): PolicyResult[] | Promise<PolicyResult[]> {
    if ("failure" in checked) return [checked.failure];
    ctx.payload = deepFreeze(checked.payload);
    return this.#policiesFor(request, ctx, checks);
  }

  /** The actor's role resolved, then every policy. */
  #policiesFor(request: RunRequest, ctx: WorkflowContext, checks: readonly Policy[]): PolicyResult[] | Promise<PolicyResult[]> {
    const roles = this.#actorRoles;
    if (typeof roles === "function") return this.#checkWithLookedUpRole(roles, request.actorEmail, ctx, checks);
    try {
      // With actorRoles configured the payload is never consulted: the agent must not pick its own role.
      const role = roles === undefined ? ctx.payload.actorRole : Object.hasOwn(roles, request.actorEmail) ? roles[request.actorEmail] : undefined;
      if (typeof role === "string") ctx.actorRole = role;
    } catch (error) {
      return [roleFailure(error)];
    }
    return evaluatePolicies(ctx, checks, this.#policyTimeoutMs);
  }

  async #checkWithLookedUpRole(lookup: ActorRoleLookup, actorEmail: string, ctx: WorkflowContext, checks: readonly Policy[]): Promise<PolicyResult[]> {
    try {
      const answer = lookup(actorEmail);
      // Only a promise (or any thenable) is waited for, and only as long as a policy would be.
      const role = isThenable(answer) ? await within<unknown>(Promise.resolve(answer), this.#policyTimeoutMs, () => UNANSWERED) : answer;
      if (role === UNANSWERED) return [roleTimedOut(this.#policyTimeoutMs)];
      if (typeof role === "string") ctx.actorRole = role;
    } catch (error) {
      return [roleFailure(error)];
    }
    return evaluatePolicies(ctx, checks, this.#policyTimeoutMs);
  }

  /**
   * A run some check failed, or made with an approval: a BLOCK, a PENDING_APPROVAL with its
   * request stored, or (only with a valid approval of exactly this request, and every failure one
   * that approval lifts) the approval to use.
   */
  async #approvalOutcome(
    run: RunState,
    gate: PolicyResult[],
  ): Promise<{ finished: Promise<[RunResult, Receipt]> } | { approval: NonNullable<Receipt["approval"]> }> {
    const { request, received, ctx, runId } = run;
    const failures = gate.filter((result) => result.passed !== true);
    const liftable = failures.every((result) => result.requiresApproval === true);
    if (!liftable) return { finished: this.#finish(run, gate, "BLOCK", []) };
    const actorEmail = printable(request.actorEmail);
    const digest = approvalDigest({ workflow: ctx.workflow, actorEmail, payload: received, policySet: this.#policySet });
    if (request.approvalId === undefined) {
      // A dry run says the run would wait for approval, and stores no request.
      if (run.dryRun) return { finished: this.#finish(run, gate, "PENDING_APPROVAL", []) };
      if (!this.#desk.available) {
        const refusal = approvalFailure("This run needs a person's approval, but the receipt store cannot keep approval requests");
        return { finished: this.#finish(run, [...gate, refusal], "BLOCK", []) };
      }
      let approvalRequest: Receipt["approvalRequest"];
      try {
        const reasons = failures.map((result) => `${result.policy}: ${result.reason}`);
        approvalRequest = await this.#desk.request({ workflow: ctx.workflow, actorEmail, payload: received, digest, reasons, runId });
      } catch (error) {
        return { finished: this.#finish(run, [...gate, approvalFailure(`The approval request could not be stored: ${describeError(error)}`)], "BLOCK", []) };
      }
      return { finished: this.#finish(run, gate, "PENDING_APPROVAL", [], undefined, approvalRequest) };
    }
    const check = await this.#desk.check(request.approvalId, digest).catch((error: unknown) => ({
      ok: false as const,
      reason: `the approval could not be read: ${describeError(error)}`,
    }));
    if (!check.ok) return { finished: this.#finish(run, [...gate, approvalFailure(check.reason)], "BLOCK", []) };
    return { approval: check.approval };
  }

  async #finish(
    { request, received, ctx, runId, approval, shadowResults, dryRun, trace }: RunState,
    policyResults: PolicyResult[],
    decision: Exclude<Decision, "PARTIAL">,
    actions: readonly ActionResult[],
    error?: string,
    approvalRequest?: Receipt["approvalRequest"],
  ): Promise<[RunResult, Receipt]> {
    const receiptOf = (actionsTaken: readonly ActionResult[], message: string | undefined): SignedReceipt =>
      this.#signer.signWithJson(
        buildReceipt({
          runId,
          workflow: ctx.workflow,
          actorEmail: printable(request.actorEmail),
          payload: received,
          policyResults,
          decision,
          actionsTaken,
          // A dry run claimed no key: its receipt must not pass for the key's run.
          idempotencyKey: dryRun ? undefined : request.idempotencyKey,
          error: message,
          approvalRequest,
          approval,
          shadowResults,
          dryRun,
          note: dryRun ? dryRunNote(request.idempotencyKey) : undefined,
        }),
      );
    let signed: SignedReceipt;
    try {
      signed = receiptOf(actions, error);
    } catch (problem) {
      // The workflow may have changed things: a receipt is written whatever its actions hold,
      // recording what can be recorded and why the rest cannot.
      const why = `The receipt could not record the actions as they are (${describeError(problem)})`;
      signed = receiptOf(recordableActions(actions), error === undefined ? why : `${error}; ${why}`);
    }
    const { receipt, json } = signed;
    try {
      await this.#store.write(receipt, json);
    } catch (cause) {
      throw new ReceiptWriteError(receipt, cause);
    }
    trace?.finish(receipt);
    if (request.idempotencyKey !== undefined && !dryRun) {
      // Best effort: a stored receipt already settles the key for anyone who finds the claim open.
      await this.#store.updateClaim(request.idempotencyKey, runId, "completed").catch(() => undefined);
    }
    const result = resultFromReceipt(receipt);
    return [result, receipt];
  }
}

type ActorRoleLookup = Extract<ActorRoles, (actorEmail: string) => unknown>;

/** One run on its way through `#execute`; `approval` is set once the run has used one. */
interface RunState {
  request: RunRequest;
  received: Payload;
  ctx: WorkflowContext;
  runId: string;
  approval?: Receipt["approval"];
  /** `run({ dryRun: true })`: evaluate everything, use up and execute nothing. */
  dryRun: boolean;
  /** What the shadow policies said, once they have been evaluated. */
  shadowResults?: PolicyResult[];
  /** The run's OpenTelemetry span, when something records it. */
  trace: RunTrace | undefined;
}

/** The note of a dry run's receipt. */
function dryRunNote(idempotencyKey: string | undefined): string {
  const key = typeof idempotencyKey === "string" ? ` The idempotency key ${JSON.stringify(idempotencyKey)} was not claimed.` : "";
  return `Dry run: policies were evaluated and nothing was executed or used up.${key}`;
}

/** A run refused by the policy `approval`: no usable approval of exactly this request. */
function approvalFailure(reason: string): PolicyResult {
  return { policy: "approval", passed: false, reason };
}

/**
 * The policy results of a run a connector refused (an action outside its allowlist): the policies
 * that passed, then the refusal as a failed check, so that the run reads and filters as a BLOCK.
 */
function refused(gate: readonly PolicyResult[], refusal: PermissionError): PolicyResult[] {
  let reason: string;
  try {
    reason = String(refusal.message);
  } catch (error) {
    // Only a forged PermissionError (matched by its code) can get here: still a refusal.
    reason = `A connector refused an action (${describeError(error)})`;
  }
  return [...gate, { policy: "connector_allowlist", passed: false, reason }];
}

// What a check that did not answer within policyTimeoutMs gives instead.
const UNANSWERED: unique symbol = Symbol("unanswered");

function schemaTimedOut(ms: number): PayloadCheck {
  return { failure: { policy: "payload_schema", passed: false, reason: `The payload schema did not decide within ${ms} ms (policyTimeoutMs)` } };
}

function roleTimedOut(ms: number): PolicyResult {
  return { policy: "actor_role", passed: false, reason: `The actorRoles lookup did not answer within ${ms} ms (policyTimeoutMs)` };
}

function roleFailure(error: unknown): PolicyResult {
  return { policy: "actor_role", passed: false, reason: `Could not resolve the actor's role: ${describeError(error)}` };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * The request with its actor and idempotency key well formed (lone surrogates → U+FFFD, as in
 * payloads): policies check, the claim holds and the receipt records one and the same text.
 * Always a copy, each field read once: a getter cannot show the policies one actor, payload or
 * approval id and the receipt, the payload check or the claim another.
 */
function wellFormedRequest(request: RunRequest): RunRequest {
  const copy = { ...request };
  const { actorEmail, idempotencyKey } = copy;
  if (typeof actorEmail === "string") copy.actorEmail = wellFormed(actorEmail);
  if (typeof idempotencyKey === "string") copy.idempotencyKey = wellFormed(idempotencyKey);
  return copy;
}

const NO_PAYLOAD: Payload = toFrozenJsonSafeObject({});

/**
 * The JSON-safe, frozen snapshot of a payload, or, when it cannot be read as JSON (a getter,
 * `toJSON` or proxy trap that throws, nesting deeper than MAX_JSON_DEPTH), an empty payload and
 * why: such a run is blocked, and its receipt records `{}` with the reason.
 */
function snapshotOf(payload: unknown): { received: Payload; unreadable?: string } {
  try {
    return { received: toFrozenJsonSafeObject(payload ?? {}) };
  } catch (error) {
    return { received: NO_PAYLOAD, unreadable: describeError(error) };
  }
}

function unreadablePayload(problem: string): PolicyResult {
  return {
    policy: "payload_schema",
    passed: false,
    reason: `The payload cannot be read as JSON (${problem}); it is recorded as {}`,
  };
}

/** `String(value)`, well formed, or a placeholder when even that throws (a hostile object as the actor). */
function printable(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return wellFormed(String(value));
  } catch {
    return "[unprintable]";
  }
}
