import type { ActionResult, Payload, WorkflowContext } from "./models.js";
import { isStandardSchema, type JsonSchema, type StandardSchemaV1 } from "./standard-schema.js";

/** A workflow body: does the work through the context's systems and reports each action. */
export type WorkflowFunction<P extends Payload = Payload> = (
  ctx: WorkflowContext<P>,
) => Promise<ActionResult[]> | ActionResult[];

/** A workflow with a stable name and, optionally, a schema its payload must satisfy. */
export interface WorkflowDefinition<P extends Payload = Payload> {
  /** The name agents call it by and receipts record, e.g. `db_safe_insert`. */
  readonly name: string;
  readonly run: WorkflowFunction<P>;
  /** Any Standard Schema (zod 3.25+/4, valibot, arktype). Checked before any policy runs; an invalid payload is a BLOCK, not an exception. */
  readonly payloadSchema?: StandardSchemaV1<unknown, P> | undefined;
  /** What the workflow does, in words a model choosing a tool can use. */
  readonly description?: string | undefined;
  /** The payload's JSON Schema shown to models, when the schema library cannot produce one itself. */
  readonly inputJsonSchema?: JsonSchema | undefined;
}

/** A definition with its payload type erased: the client validates payloads at run time. */
export interface AnyWorkflowDefinition {
  readonly name: string;
  readonly run: (ctx: never) => Promise<ActionResult[]> | ActionResult[];
  readonly payloadSchema?: StandardSchemaV1 | undefined;
  readonly description?: string | undefined;
  readonly inputJsonSchema?: JsonSchema | undefined;
}

/** Anything `EnactClient` accepts as a workflow: a named function or a definition. */
export type WorkflowLike = WorkflowFunction | AnyWorkflowDefinition;

/** Options of `defineWorkflow`. */
export interface WorkflowOptions<S extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined> {
  /** The payload's schema: any Standard Schema v1 (zod 3.25+/4, valibot, arktype, or your own). */
  payload?: S;
  /** What the workflow does: adapters show it to the model as the tool's description. */
  description?: string;
  /**
   * The payload's JSON Schema for adapters. Defaults to the schema's own (`~standard.jsonSchema`,
   * e.g. zod 4.2+), else an open object. Enact still validates every call with `payload`.
   */
  inputJsonSchema?: JsonSchema;
}

/** The parsed type of a Standard Schema, as a payload. */
type OutputOf<S> = S extends StandardSchemaV1<unknown, infer O> ? (O extends Payload ? O : Payload) : Payload;

/**
 * Names a workflow explicitly (function names do not survive minification) and, with
 * `{ payload }`, gives it a Standard Schema (zod, valibot, arktype, ...) that `run()` checks
 * before the policies; `{ description }` tells a model what it does.
 *
 * @example
 * const sendReport = defineWorkflow("send_report", async (ctx) => [...], {
 *   payload: z.object({ to: z.email() }),
 *   description: "Email the weekly report to one recipient.",
 * });
 */
export function defineWorkflow<S extends StandardSchemaV1>(
  name: string,
  run: WorkflowFunction<OutputOf<S>>,
  options: WorkflowOptions<S> & { payload: S },
): WorkflowDefinition<OutputOf<S>>;
export function defineWorkflow(name: string, run: WorkflowFunction, options?: WorkflowOptions<undefined>): WorkflowDefinition;
export function defineWorkflow(name: string, run: WorkflowFunction, options?: WorkflowOptions): WorkflowDefinition {
  if (typeof name !== "string" || name.trim() === "") throw new TypeError("defineWorkflow needs a non-empty name");
  const payload = options?.payload;
  if (payload !== undefined && !isStandardSchema(payload)) {
    throw new TypeError(`defineWorkflow("${name}"): payload must be a Standard Schema (zod 3.25+/4, valibot, arktype), with a "~standard" property of version 1`);
  }
  if (options?.description !== undefined && typeof options.description !== "string") {
    throw new TypeError(`defineWorkflow("${name}"): description must be a string`);
  }
  return Object.freeze({
    name,
    run,
    payloadSchema: payload as StandardSchemaV1<unknown, Payload> | undefined,
    description: options?.description,
    inputJsonSchema: options?.inputJsonSchema,
  });
}
