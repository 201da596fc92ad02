import type { z } from "zod";
import type { ActionResult, Payload, WorkflowContext } from "./models.js";

/** A workflow body: does the work through the context's systems and reports each action. */
export type WorkflowFunction<P extends Payload = Payload> = (
  ctx: WorkflowContext<P>,
) => Promise<ActionResult[]> | ActionResult[];

/** A workflow with a stable name and, optionally, a schema its payload must satisfy. */
export interface WorkflowDefinition<P extends Payload = Payload> {
  /** The name agents call it by and receipts record, e.g. `db_safe_insert`. */
  readonly name: string;
  readonly run: WorkflowFunction<P>;
  /** Validated before any policy runs; an invalid payload is a BLOCK, not an exception. */
  readonly payloadSchema?: z.ZodType<P> | undefined;
}

/** A definition with its payload type erased: the client validates payloads at run time. */
export interface AnyWorkflowDefinition {
  readonly name: string;
  readonly run: (ctx: never) => Promise<ActionResult[]> | ActionResult[];
  readonly payloadSchema?: z.ZodType | undefined;
}

/** Anything `EnactClient` accepts as a workflow: a named function or a definition. */
export type WorkflowLike = WorkflowFunction | AnyWorkflowDefinition;

/**
 * Names a workflow explicitly (function names do not survive minification) and, with
 * `{ payload }`, gives it a zod schema that `run()` checks before the policies.
 *
 * @example
 * const sendReport = defineWorkflow("send_report", async (ctx) => [...], {
 *   payload: z.object({ to: z.email() }),
 * });
 */
export function defineWorkflow<S extends z.ZodType<Payload>>(
  name: string,
  run: WorkflowFunction<z.output<S>>,
  options: { payload: S },
): WorkflowDefinition<z.output<S>>;
export function defineWorkflow(name: string, run: WorkflowFunction): WorkflowDefinition;
export function defineWorkflow(
  name: string,
  run: WorkflowFunction,
  options?: { payload?: z.ZodType<Payload> },
): WorkflowDefinition {
  if (name.trim() === "") throw new TypeError("defineWorkflow needs a non-empty name");
  return Object.freeze({ name, run, payloadSchema: options?.payload });
}
