import { PermissionError } from "./errors.js";
import type { ActionResult } from "./models.js";

/**
 * Records every ActionResult that a connector method returns during one workflow run, so that
 * when a workflow throws halfway, the receipt still lists the actions that had completed; and the
 * first refusal by a connector's allowlist (`PermissionError`), so that the run is recorded as
 * blocked even when the workflow catches the refusal and goes on.
 */
export class ActionRecorder {
  readonly actions: ActionResult[] = [];
  /** The first `PermissionError` a connector threw during the run, caught by the workflow or not. */
  refusal: PermissionError | undefined;
  readonly #observe: ActionObserver | undefined;

  /** `observe` (tracing) is told of each connector call as it starts, and of its outcome. */
  constructor(observe?: ActionObserver) {
    this.#observe = observe;
  }

  /** `systems` with each object's methods wrapped to record the ActionResults they produce. */
  wrap(systems: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const wrapped: Record<string, unknown> = {};
    for (const [name, system] of Object.entries(systems)) wrapped[name] = this.#wrapSystem(system, name);
    return wrapped;
  }

  #wrapSystem(system: unknown, name: string): unknown {
    if (typeof system !== "object" || system === null) return system;
    return new Proxy(system, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        // Called on the real object, not the proxy: connectors keep their state in #private fields.
        return (...args: unknown[]) => {
          const settled = this.#observe?.(name, String(property));
          let outcome: unknown;
          try {
            outcome = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (error) {
            this.#noteRefusal(error);
            settled?.({ error });
            throw error;
          }
          return this.#record(outcome, settled);
        };
      },
    });
  }

  #record(outcome: unknown, settled: ((outcome: { result?: unknown; error?: unknown }) => void) | undefined): unknown {
    if (isPromiseLike(outcome)) {
      return outcome.then(
        (result) => {
          if (isActionResult(result)) this.actions.push(result);
          settled?.({ result });
          return result;
        },
        (error: unknown) => {
          this.#noteRefusal(error);
          settled?.({ error });
          throw error;
        },
      );
    }
    if (isActionResult(outcome)) this.actions.push(outcome);
    settled?.({ result: outcome });
    return outcome;
  }

  #noteRefusal(error: unknown): void {
    if (this.refusal === undefined && isPermissionError(error)) this.refusal = error;
  }
}

/** Told of a connector call as it starts (system name, method name); what it returns is told the outcome. */
export type ActionObserver = (system: string, method: string) => (outcome: { result?: unknown; error?: unknown }) => void;

/**
 * True for a connector's allowlist refusal. Also recognised by its code, for a PermissionError from
 * another copy of enact-sdk (the ESM and CommonJS builds each have their own class). Never throws.
 */
export function isPermissionError(error: unknown): error is PermissionError {
  try {
    return error instanceof PermissionError || (error instanceof Error && (error as { code?: unknown }).code === "ENACT_PERMISSION");
  } catch {
    return false;
  }
}

/** A structural check: enough to tell an action's result from any other value. */
export function isActionResult(value: unknown): value is ActionResult {
  const candidate = value as Partial<ActionResult> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.action === "string" &&
    typeof candidate.system === "string" &&
    typeof candidate.success === "boolean" &&
    typeof candidate.output === "object" &&
    candidate.output !== null
  );
}

function isPromiseLike(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
