import { randomUUID } from "node:crypto";
import { ApprovalError, ConfigurationError } from "../errors.js";
import type { Payload } from "../models.js";
import type { ReceiptStore } from "../stores/receipt-store.js";
import { isApprover, samePerson, type Approvers } from "./approvers.js";
import { ControlSigner, type ApprovalDecisionRecord, type ApprovalRequestRecord, type ApprovalUseRecord } from "./records.js";

/** An open approval request, as `pendingApprovals()` lists it. */
export interface PendingApproval {
  id: string;
  workflow: string;
  actorEmail: string;
  payload: Payload;
  digest: string;
  expiresAt: string;
  reasons: string[];
  requestedAt: string;
  /** The run whose `PENDING_APPROVAL` receipt made the request. */
  runId: string;
}

/** What a run made with `approvalId` may use: the approval, or why not. */
export type ApprovalCheck = { ok: true; approval: { id: string; approver: string; approvedAt: string } } | { ok: false; reason: string };

type ApprovalStore = Required<Pick<ReceiptStore, "putApprovalStage" | "getApprovalStages" | "listApprovals">>;

/**
 * Approval requests and decisions, kept as signed records in the client's store (see
 * `ControlSigner`). A record that does not verify counts as absent: an unknown request, an
 * unapproved decision. Each stage (request, decision, use) is written once, atomically.
 */
export class ApprovalDesk {
  readonly #store: ReceiptStore;
  readonly #signer: ControlSigner;
  readonly #approvers: Approvers | undefined;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(store: ReceiptStore, signer: ControlSigner, options: { approvers: Approvers | undefined; ttlMs: number; now: () => number }) {
    this.#store = store;
    this.#signer = signer;
    this.#approvers = options.approvers;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
  }

  /** Whether the store can keep approvals at all. */
  get available(): boolean {
    return this.#approvalStore() !== undefined;
  }

  /** Records a pending request for the run `runId`; resolves with what its receipt carries. */
  async request(input: Omit<PendingApproval, "id" | "expiresAt" | "requestedAt">): Promise<{ id: string; digest: string; expiresAt: string }> {
    const store = this.#required();
    const now = this.#now();
    const id = randomUUID();
    const expiresAt = new Date(now + this.#ttlMs).toISOString();
    const { json } = this.#signer.sign({
      kind: "approval_request",
      id,
      workflow: input.workflow,
      actorEmail: input.actorEmail,
      payload: input.payload,
      digest: input.digest,
      reasons: input.reasons,
      runId: input.runId,
      requestedAt: new Date(now).toISOString(),
      expiresAt,
    });
    if (!(await store.putApprovalStage(id, "request", json))) throw new Error(`Approval id ${id} already exists`);
    return { id, digest: input.digest, expiresAt };
  }

  /** Records a person's decision, once; rejects with `ApprovalError` when it may not be recorded. */
  async decide(
    given: unknown,
    decision: "approved" | "denied",
    by: { approver: string; note?: string | undefined; reason?: string | undefined },
  ): Promise<ApprovalDecisionRecord> {
    const store = this.#required();
    const id = typeof given === "string" ? given : String(given);
    const stages = await store.getApprovalStages(id);
    const request = this.#signer.open(stages.request, "approval_request", id);
    if (request === undefined) throw new ApprovalError("unknown", id, "no such request (or its record does not verify).");
    if (!(await isApprover(this.#approvers, by.approver))) {
      throw new ApprovalError("not_an_approver", id, `${String(by.approver)} is not one of the client's approvers.`);
    }
    if (decision === "approved" && samePerson(by.approver, request.actorEmail)) {
      throw new ApprovalError("self_approval", id, `${by.approver} made this request and cannot approve it.`);
    }
    if (stages.decision !== undefined) throw new ApprovalError("decided", id, "it was already decided.");
    const now = this.#now();
    if (expired(request, now)) throw new ApprovalError("expired", id, `it expired at ${request.expiresAt}.`);
    const unsigned: Omit<ApprovalDecisionRecord, "signature"> = { kind: "approval_decision", id, decision, approver: by.approver, decidedAt: new Date(now).toISOString() };
    if (by.note !== undefined) unsigned.note = String(by.note);
    if (by.reason !== undefined) unsigned.reason = String(by.reason);
    const { record, json } = this.#signer.sign(unsigned);
    if (!(await store.putApprovalStage(id, "decision", json))) throw new ApprovalError("decided", id, "it was already decided.");
    return record;
  }

  /** Open requests: verified, undecided, unexpired; oldest first. */
  async pending(): Promise<PendingApproval[]> {
    const store = this.#required();
    const now = this.#now();
    const open: PendingApproval[] = [];
    for (const stages of await store.listApprovals()) {
      const request = this.#signer.open(stages.request, "approval_request");
      if (request === undefined || stages.decision !== undefined || expired(request, now)) continue;
      const { kind: _kind, signature: _signature, ...pending } = request;
      open.push(pending);
    }
    return open.sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : a.requestedAt > b.requestedAt ? 1 : 0));
  }

  /** Whether approval `given` lets a run whose request has `digest` execute now. Reads only. */
  async check(given: unknown, digest: string): Promise<ApprovalCheck> {
    const store = this.#approvalStore();
    if (store === undefined) return { ok: false, reason: "the receipt store cannot keep approvals" };
    if (typeof given !== "string") return { ok: false, reason: "approvalId must be a string" };
    const stages = await store.getApprovalStages(given);
    const request = this.#signer.open(stages.request, "approval_request", given);
    if (request === undefined) return { ok: false, reason: `approval ${given} is unknown (no such request, or its record does not verify)` };
    if (request.digest !== digest) {
      return { ok: false, reason: `approval was for a different request (approval ${given} covers another workflow, actor, payload or policy set)` };
    }
    if (stages.use !== undefined) {
      const use = this.#signer.open(stages.use, "approval_use", given);
      return { ok: false, reason: `approval ${given} was already used${use === undefined ? "" : ` by run ${use.runId} at ${use.usedAt}`}` };
    }
    if (stages.decision === undefined) return { ok: false, reason: `approval ${given} has not been decided yet` };
    const decision = this.#signer.open(stages.decision, "approval_decision", given);
    if (decision === undefined) return { ok: false, reason: `the decision on approval ${given} does not verify` };
    if (decision.decision !== "approved") {
      return { ok: false, reason: `approval ${given} was denied by ${decision.approver}${decision.reason === undefined ? "" : `: ${decision.reason}`}` };
    }
    if (expired(request, this.#now())) return { ok: false, reason: `approval ${given} expired at ${request.expiresAt}` };
    return { ok: true, approval: { id: given, approver: decision.approver, approvedAt: decision.decidedAt } };
  }

  /**
   * Marks the approval used by `runId`, atomically, before the run's workflow executes: of any
   * number of concurrent runs, one wins. Resolves whether this run did.
   */
  async claim(id: string, runId: string): Promise<boolean> {
    const store = this.#required();
    const { json } = this.#signer.sign({ kind: "approval_use", id, runId, usedAt: new Date(this.#now()).toISOString() });
    return store.putApprovalStage(id, "use", json);
  }

  #approvalStore(): ApprovalStore | undefined {
    const store = this.#store;
    return store.putApprovalStage !== undefined && store.getApprovalStages !== undefined && store.listApprovals !== undefined
      ? (store as ApprovalStore & ReceiptStore)
      : undefined;
  }

  #required(): ApprovalStore {
    const store = this.#approvalStore();
    if (store === undefined) {
      throw new ConfigurationError(
        "This receipt store cannot keep approvals (it lacks putApprovalStage, getApprovalStages and listApprovals). " +
          "Use FileReceiptStore, PostgresReceiptStore or MemoryReceiptStore.",
      );
    }
    return store;
  }
}

/** Expired at `now`, or unreadable time on either side (fail closed). */
function expired(request: ApprovalRequestRecord, now: number): boolean {
  return !(now < Date.parse(request.expiresAt));
}
