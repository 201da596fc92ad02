import { ActionRecorder, isActionResult } from "./action-recorder.js";
import { randomUUID } from "node:crypto";
import { ConfigurationError, EnactError, UnknownWorkflowError } from "./errors.js";
import { KeyedRuns, requestFingerprint, resultFromReceipt } from "./idempotency.js";
import { toFrozenJsonSafeObject } from "./json-safe.js";
import type { ActionResult, Payload, PolicyResult, Receipt, RunResult, WorkflowContext } from "./models.js";
import { allPassed, describeError, evaluateAll, type Policy } from "./policy.js";
import { buildReceipt, ReceiptSigner } from "./receipt.js";
import { RollbackEngine, type RollbackOptions } from "./rollback/engine.js";
import { FileReceiptStore } from "./stores/file-store.js";
import type { ReceiptStore } from "./stores/receipt-store.js";
import { JournalKey } from "./journal/key.js";
import type { z } from "zod";
import type { WorkflowDefinition, WorkflowLike } from "./workflow.js";

/** Shortest secret accepted without `allowInsecureSecret`: 32 characters, as for any HMAC key. */
export const MIN_SECRET_LENGTH = 32;

/** Maps an actor's email to its role, from a source the agent cannot write to. */
export type ActorRoles =
  | Readonly<Record<string, string>>
  | ((actorEmail: string) => string | undefined | Promise<string | undefined>);

/** How to build an `EnactClient`. Every field is optional but the secret (here or in `ENACT_SECRET`). */
export interface EnactClientOptions {
  /** Connectors by system name, handed to policies and workflows as `ctx.systems`. */
  systems?: Record<string, unknown>;
  /** Checked on every run, in order; all must pass for the workflow to run. */
  policies?: readonly Policy[];
  /** Named functions or `defineWorkflow(...)` definitions that agents may run. */
  workflows?: readonly WorkflowLike[];
  /** HMAC key for receipts. Defaults to `process.env.ENACT_SECRET`; there is no built-in default. */
  secret?: string;
  /** Accept a secret shorter than 32 characters (tests, demos). */
  allowInsecureSecret?: boolean;
  /** Directory of the default file store. Default `"receipts"`. */
  receiptDir?: string;
  /** Where receipts go; overrides `receiptDir`. */
  receiptStore?: ReceiptStore;
  /** Trusted roles. When set, `ctx.actorRole` comes only from here, never from the payload. */
  actorRoles?: ActorRoles;
  /**
   * How long a run waits for another run holding the same idempotency key (in another process
   * or client) to finish before rejecting with `IdempotencyInProgressError`. Default 30 000 ms.
   */
  idempotencyWaitMs?: number;
  /** Allow `rollback()`. Default `false`: undoing runs is opt-in. */
  rollbackEnabled?: boolean;
}

/** How `reconcile()` settles a key whose run crashed. */
export type Reconciliation =
  | { outcome: "failed"; note?: string }
  | { outcome: "completed"; note?: string; actionsTaken?: ActionResult[] };

/** What `reconcile()` did. */
export interface ReconcileResult {
  /** `released`: the key may run again. `recorded`: later runs replay the recorded receipt. `nothing-to-do`: no open claim. */
  status: "released" | "recorded" | "nothing-to-do";
  /** The signed receipt written for the crashed run, when there was one to write. */
  receipt?: Receipt;
}

/** One request from an agent. */
export interface RunRequest {
  workflow: string;
  actorEmail: string;
  payload?: Payload;
  /**
   * Makes the run at-most-once: a later run with the same key and the same request executes
   * nothing and returns the first run's result (`replayed: true`) and receipt. Signed into the receipt.
   */
  idempotencyKey?: string;
}

/** Raised when a run's receipt could not be stored; the signed receipt is attached so it is not lost. */
export class ReceiptWriteError extends EnactError {
  readonly code = "ENACT_RECEIPT_WRITE" as const;

  constructor(
    readonly receipt: Receipt,
    cause: unknown,
  ) {
    super(
      `The receipt of run ${receipt.runId} (${receipt.decision}) could not be stored: ${describeError(cause)}. ` +
        "It is attached to this error as `receipt`; store it before retrying.",
      { cause },
    );
  }
}

type RegisteredWorkflow = Pick<WorkflowDefinition, "name" | "run"> & { payloadSchema?: z.ZodType | undefined };

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
  readonly #signer: ReceiptSigner;
  readonly #secret: string;
  readonly #store: ReceiptStore;
  readonly #actorRoles: ActorRoles | undefined;
  readonly #keyedRuns: KeyedRuns;
  readonly #rollback: RollbackEngine;

  constructor(options: EnactClientOptions = {}) {
    this.#secret = resolveSecret(options);
    this.#signer = new ReceiptSigner(this.#secret);
    this.#systems = Object.freeze({ ...options.systems });
    this.#policies = Object.freeze([...(options.policies ?? [])]);
    this.#workflows = registerWorkflows(options.workflows ?? []);
    this.#store = options.receiptStore ?? new FileReceiptStore(options.receiptDir ?? "receipts");
    // Tamper-evident journal (issue 8): the store gets a key derived from the secret, never the secret.
    this.#store.attachJournal?.(JournalKey.fromSecret(this.#secret));
    this.#actorRoles = options.actorRoles;
    this.#keyedRuns = new KeyedRuns(this.#store, options.idempotencyWaitMs ?? 30_000);
    this.#rollback = new RollbackEngine({
      store: this.#store,
      signer: this.#signer,
      systems: this.#systems,
      keyedRuns: this.#keyedRuns,
      secret: this.#secret,
      enabled: options.rollbackEnabled === true,
    });
  }

  /** Names of the registered workflows. */
  get workflows(): string[] {
    return [...this.#workflows.keys()];
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
  async run(request: RunRequest): Promise<[RunResult, Receipt]> {
    const workflow = this.#workflows.get(request.workflow);
    if (workflow === undefined) throw new UnknownWorkflowError(String(request.workflow), this.workflows);

    // One JSON-safe snapshot: what the policies check is what the workflow gets and what the
    // receipt records, whatever the caller does to its payload object meanwhile.
    const received = toFrozenJsonSafeObject(request.payload ?? {});
    const key = request.idempotencyKey;
    if (key === undefined) return this.#execute(workflow, request, received, randomUUID());
    if (typeof key !== "string" || key.length === 0 || key.length > 512) {
      throw new TypeError("idempotencyKey must be a string of 1 to 512 characters");
    }
    const fingerprint = requestFingerprint(workflow.name, String(request.actorEmail), received);
    const keyed = { key, fingerprint, workflow: workflow.name, actorEmail: String(request.actorEmail), payload: received };
    return this.#keyedRuns.run(keyed, randomUUID(), (runId) => this.#execute(workflow, request, received, runId));
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
  async reconcile(key: string, resolution: Reconciliation): Promise<ReconcileResult> {
    const claim = await this.#store.getClaim(key);
    if (claim === undefined || claim.state === "completed") return { status: "nothing-to-do" };
    const existing = await this.#store.load(claim.runId);
    if (existing !== undefined) {
      await this.#store.updateClaim(key, claim.runId, "completed");
      return { status: "nothing-to-do", receipt: existing };
    }
    const failed = resolution.outcome === "failed";
    const receipt = this.#signer.sign(
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
    await this.#store.write(receipt);
    if (failed) {
      await this.#store.releaseClaim(key, claim.runId);
      return { status: "released", receipt };
    }
    await this.#store.updateClaim(key, claim.runId, "completed");
    return { status: "recorded", receipt };
  }

  async #execute(workflow: RegisteredWorkflow, request: RunRequest, received: Payload, runId: string): Promise<[RunResult, Receipt]> {
    const ctx: WorkflowContext = {
      workflow: workflow.name,
      actorEmail: request.actorEmail,
      payload: received,
      systems: this.#systems,
    };
    const run = { request, received, ctx, runId };
    const gate = await this.#gate(workflow, request, ctx);
    if (!allPassed(gate)) return this.#finish(run, gate, "BLOCK", []);

    // From here on the workflow may change things: a crash now must be reconciled, never re-run.
    if (request.idempotencyKey !== undefined) await this.#store.updateClaim(request.idempotencyKey, runId, "executing");
    const recorder = new ActionRecorder();
    try {
      const actions = await workflow.run({ ...ctx, systems: recorder.wrap(this.#systems) });
      if (!Array.isArray(actions) || !actions.every(isActionResult)) {
        throw new TypeError(`Workflow ${workflow.name} must resolve to an array of ActionResults`);
      }
      return this.#finish(run, gate, "PASS", actions);
    } catch (error) {
      return this.#finish(run, gate, "PASS", recorder.actions, describeError(error));
    }
  }

  /** The checks before a workflow may run: identity, payload schema, then every policy. */
  async #gate(workflow: RegisteredWorkflow, request: RunRequest, ctx: WorkflowContext): Promise<PolicyResult[]> {
    if (typeof request.actorEmail !== "string" || request.actorEmail.trim() === "") {
      return [{ policy: "actor_identity", passed: false, reason: "actorEmail must be a non-empty string" }];
    }
    if (request.payload !== undefined && (typeof request.payload !== "object" || Array.isArray(request.payload))) {
      return [{ policy: "payload_schema", passed: false, reason: "payload must be an object" }];
    }
    if (workflow.payloadSchema !== undefined) {
      const parsed = workflow.payloadSchema.safeParse(ctx.payload);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "payload"}: ${issue.message}`);
        return [{ policy: "payload_schema", passed: false, reason: `Invalid payload: ${issues.join("; ")}` }];
      }
      if (typeof parsed.data !== "object" || parsed.data === null || Array.isArray(parsed.data)) {
        return [{ policy: "payload_schema", passed: false, reason: "The payload schema must produce an object" }];
      }
      ctx.payload = deepFreeze(parsed.data as Payload);
    }
    try {
      const role = await this.#resolveRole(request.actorEmail, ctx.payload);
      if (role !== undefined) ctx.actorRole = role;
    } catch (error) {
      return [{ policy: "actor_role", passed: false, reason: `Could not resolve the actor's role: ${describeError(error)}` }];
    }
    return evaluateAll(ctx, this.#policies);
  }

  // With actorRoles configured the payload is never consulted: the agent must not pick its own role.
  async #resolveRole(actorEmail: string, payload: Payload): Promise<string | undefined> {
    const roles = this.#actorRoles;
    if (roles === undefined) return typeof payload.actorRole === "string" ? payload.actorRole : undefined;
    const role = typeof roles === "function" ? await roles(actorEmail) : Object.hasOwn(roles, actorEmail) ? roles[actorEmail] : undefined;
    return typeof role === "string" ? role : undefined;
  }

  async #finish(
    { request, received, ctx, runId }: { request: RunRequest; received: Payload; ctx: WorkflowContext; runId: string },
    policyResults: PolicyResult[],
    decision: "PASS" | "BLOCK",
    actions: readonly ActionResult[],
    error?: string,
  ): Promise<[RunResult, Receipt]> {
    const receipt = this.#signer.sign(
      buildReceipt({
        runId,
        workflow: ctx.workflow,
        actorEmail: String(request.actorEmail),
        payload: received,
        policyResults,
        decision,
        actionsTaken: actions,
        idempotencyKey: request.idempotencyKey,
        error: error === undefined ? undefined : redactSecret(error, this.#secret),
      }),
    );
    try {
      await this.#store.write(receipt);
    } catch (cause) {
      throw new ReceiptWriteError(receipt, cause);
    }
    if (request.idempotencyKey !== undefined) {
      // Best effort: a stored receipt already settles the key for anyone who finds the claim open.
      await this.#store.updateClaim(request.idempotencyKey, runId, "completed").catch(() => undefined);
    }
    const result = resultFromReceipt(receipt);
    return [result, receipt];
  }
}

function resolveSecret(options: EnactClientOptions): string {
  const secret = options.secret ?? process.env.ENACT_SECRET;
  if (secret === undefined || secret === "") {
    throw new ConfigurationError(
      "No receipt signing secret. Pass { secret } to new EnactClient() or set ENACT_SECRET " +
        `(at least ${MIN_SECRET_LENGTH} random characters, e.g. from \`openssl rand -hex 32\`).`,
    );
  }
  if (typeof secret !== "string") throw new ConfigurationError("The receipt signing secret must be a string.");
  if (secret.length < MIN_SECRET_LENGTH && options.allowInsecureSecret !== true) {
    throw new ConfigurationError(
      `The receipt signing secret is ${secret.length} characters; at least ${MIN_SECRET_LENGTH} are required ` +
        "so receipts cannot be forged by guessing it. Use a longer secret, or pass allowInsecureSecret: true for tests.",
    );
  }
  return secret;
}

function registerWorkflows(workflows: readonly WorkflowLike[]): Map<string, RegisteredWorkflow> {
  const registered = new Map<string, RegisteredWorkflow>();
  for (const workflow of workflows) {
    const definition: RegisteredWorkflow =
      typeof workflow === "function"
        ? { name: workflow.name, run: workflow }
        : { name: workflow.name, run: workflow.run as RegisteredWorkflow["run"], payloadSchema: workflow.payloadSchema };
    if (definition.name === "") {
      throw new ConfigurationError("A workflow has no name. Use a named function or defineWorkflow(name, fn).");
    }
    if (registered.has(definition.name)) {
      throw new ConfigurationError(`Two workflows are named '${definition.name}'. Workflow names must be unique.`);
    }
    registered.set(definition.name, definition);
  }
  return registered;
}

function redactSecret(text: string, secret: string): string {
  return text.split(secret).join("[REDACTED]");
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
