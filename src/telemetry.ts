import { createRequire } from "node:module";
import type { ActionResult, Receipt } from "./models.js";
import { definePolicy, policyName, policyVersion, type Policy } from "./policy.js";

/**
 * OpenTelemetry tracing of runs, when `@opentelemetry/api` is installed (an optional peer): each
 * run is a span `enact.run`, with a child span per policy (`enact.policy`) and per connector call
 * (`enact.action`). Attributes name the workflow, decision, run id, policy-set digest, policy and
 * action: never the payload, the actor, action outputs or any secret. Without the package, or with
 * it but no tracer provider registered (spans that do not record), runs do nothing more than ask
 * for a span and end it.
 *
 * Only the part of the API used here is typed, so that enact-sdk's types never need the package.
 */
interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException?(exception: unknown): unknown;
  isRecording(): boolean;
  end(): void;
}

interface OtelContext {
  readonly _brand?: never;
}

interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): { startSpan(name: string, options?: { attributes?: Record<string, string> }, context?: OtelContext): OtelSpan };
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
  };
  context: { active(): OtelContext };
}

type Tracer = ReturnType<OtelApi["trace"]["getTracer"]>;

/** Span status codes of the OpenTelemetry API (`SpanStatusCode`). */
const STATUS_OK = 1;
const STATUS_ERROR = 2;

const requireFromHere = createRequire(import.meta.url);

let loaded: { api: OtelApi; tracer: Tracer } | null | undefined;

/** The API and enact-sdk's tracer, loaded once on first use; null when the package is not installed. */
function otel(): { api: OtelApi; tracer: Tracer } | null {
  if (loaded !== undefined) return loaded;
  try {
    const api = requireFromHere("@opentelemetry/api") as OtelApi;
    // A ProxyTracer: it follows whatever provider the application registers, before or after this.
    loaded = { api, tracer: api.trace.getTracer("enact-sdk") };
  } catch {
    loaded = null;
  }
  return loaded;
}

/**
 * For benchmarks only (not exported from the package): `false` makes runs behave as if
 * `@opentelemetry/api` were not installed, `true` loads it again. Lets one process compare both.
 */
export function useOpenTelemetryForBenchmark(enabled: boolean): void {
  loaded = enabled ? undefined : null;
}

/**
 * The tracing of one run, or undefined when nothing records it (no package, or no provider):
 * the caller then skips every tracing step.
 */
export function startRunTrace(workflow: string, runId: string): RunTrace | undefined {
  const found = otel();
  if (found === null) return undefined;
  const span = found.tracer.startSpan("enact.run", { attributes: { "enact.workflow": workflow, "enact.run_id": runId } });
  if (!span.isRecording()) {
    span.end();
    return undefined;
  }
  return new RunTrace(found.api, found.tracer, span);
}

/** The span of one run, and what makes its child spans. */
export class RunTrace {
  readonly #api: OtelApi;
  readonly #tracer: Tracer;
  readonly #span: OtelSpan;
  #ended = false;

  constructor(api: OtelApi, tracer: Tracer, span: OtelSpan) {
    this.#api = api;
    this.#tracer = tracer;
    this.#span = span;
  }

  #child(name: string, attributes: Record<string, string>): OtelSpan {
    return this.#tracer.startSpan(name, { attributes }, this.#api.trace.setSpan(this.#api.context.active(), this.#span));
  }

  /**
   * `policies`, each wrapped to run inside a child span `enact.policy` that records its name,
   * declared version and whether it passed. The wrappers keep each policy's name and version.
   */
  wrapPolicies(policies: readonly Policy[], kind: "policy" | "shadow" = "policy"): Policy[] {
    return policies.map((policy) => {
      const name = policyName(policy);
      const version = policyVersion(policy);
      const wrapped: Policy = (ctx) => {
        const span = this.#child(kind === "policy" ? "enact.policy" : "enact.shadow_policy", { "enact.policy.name": name, ...(version === undefined ? {} : { "enact.policy.version": version }) });
        try {
          const outcome = policy(ctx);
          if (typeof (outcome as { then?: unknown } | null)?.then === "function") {
            return (outcome as Promise<unknown>).then(
              (result) => {
                endPolicySpan(span, result);
                return result;
              },
              (error: unknown) => {
                endFailedSpan(span, error);
                throw error;
              },
            ) as ReturnType<Policy>;
          }
          endPolicySpan(span, outcome);
          return outcome;
        } catch (error) {
          endFailedSpan(span, error);
          throw error;
        }
      };
      return definePolicy(name, wrapped, version === undefined ? undefined : { version });
    });
  }

  /** An `ActionRecorder` observer: a child span `enact.action` per connector call. */
  observeAction = (system: string, method: string): ((outcome: { result?: unknown; error?: unknown }) => void) => {
    const span = this.#child("enact.action", { "enact.system": system, "enact.method": method });
    return ({ result, error }) => {
      const action = result as Partial<ActionResult> | undefined;
      try {
        if (typeof action?.action === "string") span.setAttribute("enact.action", action.action);
        if (typeof action?.success === "boolean") span.setAttribute("enact.action.success", action.success);
      } catch {
        // A hostile result object: the span simply lacks those attributes.
      }
      if (error !== undefined) span.setStatus({ code: STATUS_ERROR, message: "the connector call threw" });
      span.end();
    };
  };

  /** Ends the run span with what the receipt says. */
  finish(receipt: Receipt): void {
    if (this.#ended) return;
    this.#ended = true;
    const span = this.#span;
    span.setAttribute("enact.decision", receipt.decision);
    if (receipt.policySet !== undefined) span.setAttribute("enact.policy_set.digest", receipt.policySet.digest);
    if (receipt.policySet?.version !== undefined) span.setAttribute("enact.policy_set.version", receipt.policySet.version);
    if (receipt.dryRun === true) span.setAttribute("enact.dry_run", true);
    if (receipt.signatureAlgorithm !== undefined) span.setAttribute("enact.signature_algorithm", receipt.signatureAlgorithm);
    span.setStatus(receipt.error === undefined ? { code: STATUS_OK } : { code: STATUS_ERROR, message: "the workflow failed (see the receipt)" });
    span.end();
  }

  /** Ends the run span when the run rejected (no receipt): the error's class only, never its message. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    const name = error instanceof Error ? error.name : typeof error;
    this.#span.setStatus({ code: STATUS_ERROR, message: `run rejected: ${name}` });
    this.#span.end();
  }
}

function endPolicySpan(span: OtelSpan, result: unknown): void {
  try {
    const passed = (result as { passed?: unknown } | null)?.passed;
    if (typeof passed === "boolean") span.setAttribute("enact.policy.passed", passed);
    else span.setStatus({ code: STATUS_ERROR, message: "the policy returned an invalid result" });
  } catch {
    span.setStatus({ code: STATUS_ERROR, message: "the policy's result could not be read" });
  }
  span.end();
}

function endFailedSpan(span: OtelSpan, error: unknown): void {
  // Only the class of what was thrown: a policy's message may quote the payload.
  span.setStatus({ code: STATUS_ERROR, message: `the policy threw ${error instanceof Error ? error.name : typeof error}` });
  span.setAttribute("enact.policy.passed", false);
  span.end();
}
