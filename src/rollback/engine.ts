import { createHmac, createSecretKey, type KeyObject, randomUUID } from "node:crypto";
import { isActionResult } from "../action-recorder.js";
import { ReceiptWriteError } from "../errors.js";
import { CorruptReceiptError, PermissionError } from "../errors.js";
import { type KeyedRuns, requestFingerprint, resultFromReceipt } from "../idempotency.js";
import { type ActionResult, type Decision, type PolicyResult, Receipt, type RunResult } from "../models.js";
import { describeError } from "../policy.js";
import { buildReceipt } from "../receipt.js";
import type { ReceiptSigning } from "../signing/client-signer.js";
import type { ReceiptStore } from "../stores/receipt-store.js";
import { RollbackRefusedError, TamperedReceiptError } from "./errors.js";
import { isUndoable, notUndoable, type UndoContext } from "./undoable.js";

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Options of `EnactClient.rollback()`. */
export interface RollbackOptions {
  /**
   * Who asks for the rollback, recorded in its receipt. Default: the actor of the run being
   * rolled back. Pass the operator's email when a person or another service undoes an agent's run.
   */
  actorEmail?: string;
}

/** What the engine needs from the client that owns it. */
export interface RollbackDependencies {
  store: ReceiptStore;
  signer: ReceiptSigning;
  systems: Readonly<Record<string, unknown>>;
  keyedRuns: KeyedRuns;
  secret: string;
  enabled: boolean;
}

/**
 * Undoes a run from its signed receipt. Internal to `EnactClient.rollback()`; see there.
 *
 * At most once per run: a rollback claims an idempotency key derived from the run id with the
 * client's secret, through the same claim machinery as keyed runs, so two rollbacks of one run,
 * concurrent or not, in one process or several sharing the store, undo it once; the others
 * resolve with the first one's receipt (`replayed: true`). The key is keyed with the secret so
 * an agent, which knows run ids but not the secret, cannot take it first with a keyed `run()`.
 */
export class RollbackEngine {
  readonly #store: ReceiptStore;
  readonly #signer: ReceiptSigning;
  readonly #systems: Readonly<Record<string, unknown>>;
  readonly #keyedRuns: KeyedRuns;
  readonly #secret: string;
  readonly #keyKey: KeyObject;
  readonly #enabled: boolean;

  constructor(dependencies: RollbackDependencies) {
    this.#store = dependencies.store;
    this.#signer = dependencies.signer;
    this.#systems = dependencies.systems;
    this.#keyedRuns = dependencies.keyedRuns;
    this.#secret = dependencies.secret;
    this.#keyKey = createSecretKey(Buffer.from(dependencies.secret, "utf8"));
    this.#enabled = dependencies.enabled;
  }

  /** The idempotency key that makes the rollback of `runId` happen once. */
  keyFor(runId: string): string {
    const digest = createHmac("sha256", this.#keyKey).update(`enact-rollback:${runId.toLowerCase()}`, "utf8").digest("hex");
    return `rollback:${digest}`;
  }

  async rollback(runId: string, options: RollbackOptions = {}): Promise<[RunResult, Receipt]> {
    if (!this.#enabled) {
      throw new RollbackRefusedError(
        "disabled",
        String(runId),
        `Refusing to roll back run ${String(runId)}: rollback is off for this client. ` +
          "Build it with new EnactClient({ ..., rollbackEnabled: true }) to allow undoing runs.",
      );
    }
    const original = await this.#loadVerified(runId);
    const actorEmail = options.actorEmail ?? original.actorEmail;
    if (typeof actorEmail !== "string" || actorEmail.trim() === "") {
      throw new TypeError("rollback() needs a non-empty actorEmail");
    }
    const workflow = `rollback:${original.workflow}`;
    const payload = { runId: original.runId };
    const key = this.keyFor(original.runId);
    // The actor is left out of the fingerprint: a second rollback by someone else is still the same
    // request (undo this run), so it replays the first one instead of failing as a conflict.
    const fingerprint = requestFingerprint(workflow, "", payload);
    return this.#keyedRuns.run({ key, fingerprint, workflow, actorEmail, payload }, randomUUID(), (rollbackRunId) =>
      this.#execute(original, rollbackRunId, actorEmail, key),
    );
  }

  // Only a receipt that verifies, under the id it was asked for, is acted on.
  async #loadVerified(runId: string): Promise<Receipt> {
    if (typeof runId !== "string" || !RUN_ID.test(runId)) {
      throw new RollbackRefusedError("not-found", String(runId), `Refusing to roll back ${JSON.stringify(runId)}: not a run id (a UUID).`);
    }
    let stored: unknown;
    try {
      stored = await this.#store.load(runId);
    } catch (error) {
      // An unreadable receipt is treated like a tampered one: nothing it says can be trusted.
      if (error instanceof CorruptReceiptError || error instanceof SyntaxError) throw new TamperedReceiptError(runId, "is not valid JSON");
      throw error;
    }
    if (stored === undefined) {
      throw new RollbackRefusedError(
        "not-found",
        runId,
        `Refusing to roll back run ${runId}: the client's receipt store has no receipt for it.`,
      );
    }
    if (!this.#signer.verify(stored)) throw new TamperedReceiptError(runId, "does not verify (it was changed, or signed with another secret)");
    const parsed = Receipt.safeParse(stored);
    if (!parsed.success) throw new TamperedReceiptError(runId, `is not a well-formed receipt (${parsed.error.issues[0]?.message ?? "invalid"})`);
    const receipt = parsed.data;
    if (receipt.runId.toLowerCase() !== runId.toLowerCase()) {
      throw new TamperedReceiptError(runId, `belongs to another run (${receipt.runId})`);
    }
    if (receipt.rollbackOf !== undefined) {
      throw new RollbackRefusedError(
        "is-rollback",
        runId,
        `Refusing to roll back run ${runId}: it is the rollback of run ${receipt.rollbackOf}; undoing an undo is not supported.`,
      );
    }
    return receipt;
  }

  async #execute(original: Receipt, rollbackRunId: string, actorEmail: string, key: string): Promise<[RunResult, Receipt]> {
    // From here on systems change: a crash now must be reconciled, never silently re-run.
    await this.#store.updateClaim(key, rollbackRunId, "executing");
    const actions = original.actionsTaken;
    const undone: ActionResult[] = [];
    const unchanged: string[] = [];
    for (let index = actions.length - 1; index >= 0; index -= 1) {
      const action = actions[index] as ActionResult;
      const label = `#${index} ${action.system}.${action.action}`;
      const skip = skipReason(action);
      if (skip !== undefined) {
        unchanged.push(`${label} (${skip})`);
        continue;
      }
      const result = await this.#undoOne(action, { actions, index });
      if (result === undefined) unchanged.push(`${label} (a read)`);
      else undone.push({ ...result, output: { ...result.output, undoes: { index, action: action.action } } });
    }
    const failures = undone.filter((result) => !result.success).length;
    const decision: Decision = failures === 0 ? "PASS" : "PARTIAL";
    const { receipt, json } = this.#signer.signWithJson({
      ...buildReceipt({
        runId: rollbackRunId,
        workflow: `rollback:${original.workflow}`,
        actorEmail,
        payload: { runId: original.runId },
        policyResults: gateResults(original),
        decision,
        actionsTaken: undone,
        idempotencyKey: key,
        note: summary(original, undone.length - failures, failures, unchanged),
      }),
      rollbackOf: original.runId,
    });
    try {
      await this.#store.write(receipt, json);
    } catch (cause) {
      throw new ReceiptWriteError(receipt, cause);
    }
    await this.#store.updateClaim(key, rollbackRunId, "completed").catch(() => undefined);
    return [resultFromReceipt(receipt), receipt];
  }

  // Never throws: whatever happens is recorded, so the receipt lists every change still in place.
  async #undoOne(action: ActionResult, context: UndoContext): Promise<ActionResult | undefined> {
    const system = Object.hasOwn(this.#systems, action.system) ? this.#systems[action.system] : undefined;
    if (system === undefined || system === null) {
      return notUndoable(action.system, `No system is registered as '${action.system}', so its ${action.action} cannot be undone.`);
    }
    if (!isUndoable(system)) {
      return notUndoable(action.system, `The system registered as '${action.system}' cannot undo actions (it has no undo method).`);
    }
    try {
      const result = await system.undo(action, context);
      if (result === undefined || isActionResult(result)) return result;
      return notUndoable(action.system, `The undo of ${action.action} returned something that is not an ActionResult.`);
    } catch (error) {
      if (error instanceof PermissionError) {
        return { action: error.action, system: error.system, success: false, output: { error: error.message, permissionDenied: true } };
      }
      const message = describeError(error).split(this.#secret).join("[REDACTED]");
      return notUndoable(action.system, `The undo of ${action.action} failed unexpectedly: ${message}`);
    }
  }
}

/** Why an action needs no undo, or undefined when it may have changed something. */
function skipReason(action: ActionResult): string | undefined {
  if (!action.success) return "failed, changed nothing";
  if (action.alreadyDone === true) return "already done, changed nothing";
  return undefined;
}

// The checks rollback() made before undoing anything, in the receipt like a run's policies.
function gateResults(original: Receipt): PolicyResult[] {
  return [
    { policy: "rollback_enabled", passed: true, reason: "The client allows rollback (rollbackEnabled: true)" },
    { policy: "receipt_signature", passed: true, reason: `The receipt of run ${original.runId} verifies with this client's secret` },
  ];
}

function summary(original: Receipt, undone: number, failed: number, unchanged: readonly string[]): string {
  const parts = [`Rollback of run ${original.runId} (${original.workflow}, ${original.decision}): ${undone} change(s) undone`];
  parts.push(`${failed} not undone`);
  parts.push(unchanged.length === 0 ? "nothing skipped" : `skipped as unchanged: ${unchanged.join(", ")}`);
  return `${parts.join("; ")}.`;
}
