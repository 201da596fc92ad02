import { randomUUID } from "node:crypto";
import type { EnactClient } from "../client.js";
import { ConfigurationError } from "../errors.js";
import type { RunRequest } from "../client-options.js";
import type { Payload, Receipt, RunResult } from "../models.js";
import type { ApprovalDecisionRecord } from "../approvals/records.js";
import type { WorkflowDescription } from "../workflow-catalog.js";
import { sha256Hex } from "../sha256.js";
import { toToolOutcome, type ToolOutcome } from "./tool-outcome.js";

/** A value given directly, or computed from the framework's call context (trusted app context, never model output). */
export type FromContext<T, C> = T | ((context: C) => T | Promise<T>);

/** Options every adapter takes. */
export interface AdapterOptions<C> {
  /** Who the runs are recorded as: your app's user or agent identity, never something the model wrote. */
  actorEmail: FromContext<string, C>;
  /** The workflows to expose as tools, by name; default: every registered workflow. */
  workflows?: readonly string[];
  /**
   * Scopes idempotency keys: a tool call id is only ever matched within one conversation, so a
   * provider reusing `call_0` elsewhere cannot replay another conversation's result. Default: a
   * random id per `enactTools()` call (then a paused approval resumes only through the same tools).
   */
  conversationId?: FromContext<string | undefined, C>;
}

type Outcome = [RunResult, Receipt];

/** What needsApproval decided for a call, waiting for that call's execute. */
interface Handover {
  input: unknown;
  json: string | null;
  outcome: Promise<Outcome>;
}

/** How many decided-but-not-yet-executed outcomes are kept between `needsApproval` and `execute`. */
const MAX_HANDOVERS = 1024;

/**
 * The part every adapter shares: which workflows become tools, who the actor is, how a tool call
 * becomes `enact.run()` with an idempotency key bound to (conversation, workflow, tool call id),
 * and how a framework's approval pause maps onto an Enact approval request.
 */
export class ToolRunner<C> {
  readonly enact: EnactClient;
  readonly workflows: readonly WorkflowDescription[];
  readonly #options: AdapterOptions<C>;
  readonly #instanceScope = `instance:${randomUUID()}`;
  // The outcome `needsApproval` decided, handed to `execute` of the same call without a store round trip.
  readonly #handovers = new Map<string, Handover>();

  constructor(enact: EnactClient, options: AdapterOptions<C>, entryPoint: string) {
    if (options === null || typeof options !== "object") throw new ConfigurationError(`${entryPoint}: pass { actorEmail } as options.`);
    const actor = options.actorEmail;
    if (typeof actor !== "function" && (typeof actor !== "string" || actor.trim() === "")) {
      throw new ConfigurationError(`${entryPoint}: actorEmail must be a non-empty string or a function of the call context.`);
    }
    this.enact = enact;
    this.#options = options;
    const all = enact.describeWorkflows();
    if (options.workflows === undefined) {
      this.workflows = all;
    } else {
      const byName = new Map(all.map((workflow) => [workflow.name, workflow]));
      this.workflows = options.workflows.map((name) => {
        const found = byName.get(name);
        if (found === undefined) throw new ConfigurationError(`${entryPoint}: unknown workflow '${name}'. Registered: [${[...byName.keys()].join(", ")}]`);
        return found;
      });
    }
  }

  /**
   * Runs the call through Enact, keyed by its tool call id, and says whether the framework must
   * pause for a person: only a PENDING_APPROVAL does. A PASS or BLOCK is kept for `execute`.
   */
  async needsApproval(workflow: string, input: unknown, context: C, toolCallId: string | undefined): Promise<boolean> {
    if (toolCallId === undefined) return false;
    const scoped = this.#scope(context);
    const scope = typeof scoped === "string" ? scoped : await scoped;
    const json = jsonOrNull(input);
    const keyed = this.#key(scope, context, workflow, toolCallId, json, "call");
    const key = typeof keyed === "string" ? keyed : await keyed;
    const outcome = this.run(workflow, input, context, key);
    const [result] = await outcome;
    if (result.decision === "PENDING_APPROVAL") return true;
    this.#handOver(`${scope}\u0000${workflow}\u0000${toolCallId}`, { input, json, outcome });
    return false;
  }

  /**
   * The call's outcome for the model. If the call is waiting for approval, the framework has
   * approved it (it only executes approved calls), so the run is made once more with the Enact
   * approval: it executes only if a person approved that request in Enact (`approveToolCall`), else BLOCK.
   */
  async execute(workflow: string, input: unknown, context: C, toolCallId: string | undefined, frameworkApproves = true): Promise<ToolOutcome> {
    if (toolCallId === undefined) return toToolOutcome((await this.run(workflow, input, context, undefined))[0]);
    const scoped = this.#scope(context);
    const scope = typeof scoped === "string" ? scoped : await scoped;
    const slot = `${scope}\u0000${workflow}\u0000${toolCallId}`;
    const handed = this.#handovers.get(slot);
    let outcome: Promise<Outcome>;
    if (handed !== undefined && (handed.input === input || handed.json === jsonOrNull(input))) {
      // Decided by needsApproval a moment ago for this very call: no second run, no second key.
      this.#handovers.delete(slot);
      outcome = handed.outcome;
    } else {
      outcome = this.run(workflow, input, context, await this.#key(scope, context, workflow, toolCallId, jsonOrNull(input), "call"));
    }
    const [result] = await outcome;
    // Without the framework's pause the model is told the call waits, with the request to approve.
    if (!frameworkApproves || result.decision !== "PENDING_APPROVAL" || result.approvalRequestId === undefined) return toToolOutcome(result);
    const approvedKey = await this.#key(scope, context, workflow, toolCallId, jsonOrNull(input), "approved");
    const [approved] = await this.run(workflow, input, context, approvedKey, result.approvalRequestId);
    return toToolOutcome(approved);
  }

  /** The Enact approval request of a call that is waiting (found again through its idempotency key). */
  async approvalRequestOf(workflow: string, input: unknown, context: C, toolCallId: string): Promise<string> {
    const key = await this.#key(await this.#scope(context), context, workflow, toolCallId, jsonOrNull(input), "call");
    const [result] = await this.run(workflow, input, context, key);
    if (result.decision !== "PENDING_APPROVAL" || result.approvalRequestId === undefined) {
      throw new ConfigurationError(`Tool call ${toolCallId} (${workflow}) is not waiting for approval: its decision was ${result.decision}.`);
    }
    return result.approvalRequestId;
  }

  /** Approves a waiting call's Enact request as `approver` (who must be one of the client's approvers). */
  async approve(workflow: string, input: unknown, context: C, toolCallId: string, by: { approver: string; note?: string }): Promise<ApprovalDecisionRecord> {
    return this.enact.approve(await this.approvalRequestOf(workflow, input, context, toolCallId), by);
  }

  /** Denies a waiting call's Enact request: it can never run. */
  async deny(workflow: string, input: unknown, context: C, toolCallId: string, by: { approver: string; reason?: string }): Promise<ApprovalDecisionRecord> {
    return this.enact.deny(await this.approvalRequestOf(workflow, input, context, toolCallId), by);
  }

  /** One `enact.run()` for a tool call; the payload is the model's input as is (Enact validates it). */
  run(workflow: string, input: unknown, context: C, idempotencyKey: string | undefined, approvalId?: string): Promise<Outcome> {
    const given = this.#options.actorEmail;
    // A string actor needs no await: the common case stays as fast as calling run() directly.
    if (typeof given === "string") return this.#runAs(given, workflow, input, idempotencyKey, approvalId);
    return this.#actor(context).then((actor) => this.#runAs(actor, workflow, input, idempotencyKey, approvalId));
  }

  #runAs(actorEmail: string, workflow: string, input: unknown, idempotencyKey: string | undefined, approvalId: string | undefined): Promise<Outcome> {
    const request: RunRequest = { workflow, actorEmail, payload: (input ?? {}) as Payload };
    if (idempotencyKey !== undefined) request.idempotencyKey = idempotencyKey;
    if (approvalId !== undefined) request.approvalId = approvalId;
    return this.enact.run(request);
  }

  #handOver(key: string, handover: Handover): void {
    // Bounded: a call decided but never executed (an aborted generation) must not grow memory forever.
    if (this.#handovers.size >= MAX_HANDOVERS) {
      const oldest = this.#handovers.keys().next();
      if (oldest.done !== true) this.#handovers.delete(oldest.value);
    }
    this.#handovers.set(key, handover);
  }

  /** The actor for a call, from the trusted context. */
  actorOf(context: C): Promise<string> {
    return this.#actor(context);
  }

  async #actor(context: C): Promise<string> {
    const given = this.#options.actorEmail;
    if (typeof given === "string") return given;
    try {
      const actor = await given(context);
      // Anything but a string is recorded as no actor: Enact blocks it (actor_identity) with a receipt.
      return typeof actor === "string" ? actor : "";
    } catch {
      return "";
    }
  }

  /** The conversation a call belongs to, or this adapter instance when the app names none. */
  #scope(context: C): string | Promise<string> {
    const given = this.#options.conversationId;
    if (typeof given !== "function") return given === undefined ? this.#instanceScope : `conversation:${given}`;
    return Promise.resolve(given(context)).then((conversation) => (conversation === undefined ? this.#instanceScope : `conversation:${conversation}`));
  }

  /**
   * The idempotency key of a call: (conversation or this adapter instance, workflow, tool call id),
   * plus the actor and the input, so that a provider reusing `call_0` for another request in the
   * same conversation gets a run of its own instead of an idempotency conflict; the same call
   * retried replays.
   */
  #key(scope: string, context: C, workflow: string, toolCallId: string, json: string | null, phase: "call" | "approved"): string | Promise<string> {
    const given = this.#options.actorEmail;
    if (typeof given === "string") return callKey(scope, toolCallId, workflow, given, json, phase);
    return this.#actor(context).then((actor) => callKey(scope, toolCallId, workflow, actor, json, phase));
  }
}

function callKey(scope: string, toolCallId: string, workflow: string, actor: string, json: string | null, phase: "call" | "approved"): string {
  return `tool-call:${sha256Hex(JSON.stringify(["enact-tool-call/v1", scope, toolCallId, [workflow, actor, json], phase]))}`;
}

/**
 * The input as JSON text, or null when it has none (Enact then blocks the run as unreadable). Not
 * canonical, and it need not be: a framework parses a call's arguments from the same JSON text
 * every time, so the same call always yields the same text.
 */
function jsonOrNull(input: unknown): string | null {
  try {
    return JSON.stringify(input ?? {}) ?? null;
  } catch {
    return null;
  }
}


