import { ConfigurationError } from "./errors.js";
import type { ActionResult, Payload, Receipt } from "./models.js";
import type { Approvers } from "./approvals/approvers.js";
import type { Policy } from "./policy.js";
import type { SigningKey } from "./signing/ed25519-keys.js";
import type { ReceiptStore } from "./stores/receipt-store.js";
import { isStandardSchema, type StandardSchemaV1 } from "./standard-schema.js";
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
  /**
   * HMAC key for receipts. Defaults to `process.env.ENACT_SECRET`; there is no built-in default.
   * With `signingKey` it is optional: receipts are then signed with Ed25519, and the secret (when
   * given) only keys approvals and the kill switch and lets the client accept its older HMAC receipts.
   */
  secret?: string;
  /**
   * Sign receipts with Ed25519 instead of HMAC: anyone with the public key can verify them, and
   * nobody without the private key can sign. `privateKey` is a `KeyObject` or PEM text; `keyId`
   * is written into every receipt. The store's journal is then a public hash chain (see notes).
   */
  signingKey?: SigningKey;
  /**
   * How long each async check before the workflow may take, in ms: a policy, a shadow policy, the
   * `actorRoles` lookup, an async payload schema. One still undecided then fails, with that as its
   * reason (a BLOCK; for a shadow, a recorded failure). Default 10 000; `Infinity` waits for ever.
   */
  policyTimeoutMs?: number;
  /** A label for this set of policies (a release, a commit): receipts carry it as `policySet.version`. */
  policySetVersion?: string;
  /**
   * Candidate policies checked on every run and recorded in `receipt.shadowResults`, never part
   * of the decision: what a rule would have blocked, before it blocks anything.
   */
  shadowPolicies?: readonly Policy[];
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
  /**
   * Who may approve or deny approval requests (trusted configuration, like `actorRoles`): emails
   * as a list or record keys (compared without case), or a function. Unset: nobody can approve.
   */
  approvers?: Approvers;
  /** How long an approval request stays open, and an approval usable, in ms. Default 24 h. */
  approvalTtlMs?: number;
  /**
   * The clock (ms since the epoch) for approval expiry, thermal-cutout windows and the kill
   * switch's cache. Default `Date.now`; tests inject their own.
   */
  now?: () => number;
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
  /**
   * An approval of this exact request (the `approvalRequestId` of its `PENDING_APPROVAL` run):
   * failures that require approval are lifted, the approval is used up before the workflow runs.
   */
  approvalId?: string;
  /**
   * Evaluate everything, execute nothing: the receipt (written and signed like any other) has
   * `dryRun: true`, the decision the run would have had and `actionsTaken: []`. A dry run claims
   * no idempotency key, creates or uses up no approval and counts no thermal-cutout run.
   */
  dryRun?: boolean;
}

/** A workflow as the client keeps it: its name, its body and its payload schema. */
export type RegisteredWorkflow = Pick<WorkflowDefinition, "name" | "run" | "description" | "inputJsonSchema"> & {
  payloadSchema?: StandardSchemaV1 | undefined;
};

/** The signing secret from the options or ENACT_SECRET, refused when missing or short. */
export function resolveSecret(options: EnactClientOptions): string {
  const secret = options.secret ?? process.env.ENACT_SECRET;
  if (secret === undefined || secret === "") {
    throw new ConfigurationError(
      "No receipt signing secret. Pass { secret } to new EnactClient() or set ENACT_SECRET " +
        `(at least ${MIN_SECRET_LENGTH} random characters, e.g. from \`openssl rand -hex 32\`). ` +
        "The library does not read .env files (the enact-sdk CLI does): if ENACT_SECRET is in .env, " +
        'load it first, e.g. with `import "dotenv/config";` at the top of your entry file, or run ' +
        "`node --env-file=.env app.js`.",
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

/** Workflows by name; a nameless or duplicate name is a configuration error. */
export function registerWorkflows(workflows: readonly WorkflowLike[]): Map<string, RegisteredWorkflow> {
  const registered = new Map<string, RegisteredWorkflow>();
  for (const workflow of workflows) {
    const definition: RegisteredWorkflow =
      typeof workflow === "function"
        ? { name: workflow.name, run: workflow }
        : {
            name: workflow.name,
            run: workflow.run as RegisteredWorkflow["run"],
            payloadSchema: workflow.payloadSchema,
            description: workflow.description,
            inputJsonSchema: workflow.inputJsonSchema,
          };
    if (definition.name === "") {
      throw new ConfigurationError("A workflow has no name. Use a named function or defineWorkflow(name, fn).");
    }
    if (definition.payloadSchema !== undefined && !isStandardSchema(definition.payloadSchema)) {
      throw new ConfigurationError(`Workflow '${definition.name}' has a payloadSchema that is not a Standard Schema (zod 3.25+/4, valibot, arktype).`);
    }
    if (registered.has(definition.name)) {
      throw new ConfigurationError(`Two workflows are named '${definition.name}'. Workflow names must be unique.`);
    }
    registered.set(definition.name, definition);
  }
  return registered;
}
