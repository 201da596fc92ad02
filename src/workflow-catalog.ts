import type { RegisteredWorkflow } from "./client-options.js";
import { inputJsonSchemaOf, type JsonSchema } from "./standard-schema.js";

/** A registered workflow as an agent framework shows it to a model. */
export interface WorkflowDescription {
  /** The workflow's name: the tool's name. */
  readonly name: string;
  /** What it does (from `defineWorkflow(..., { description })`), or a generic sentence naming it. */
  readonly description: string;
  /** The payload's JSON Schema (see `inputJsonSchemaOf`); an open object when the workflow has none. */
  readonly inputSchema: JsonSchema;
}

/** Descriptions of the registered workflows, in registration order. */
export function describeWorkflows(workflows: Iterable<RegisteredWorkflow>): WorkflowDescription[] {
  const described: WorkflowDescription[] = [];
  for (const workflow of workflows) {
    described.push(
      Object.freeze({
        name: workflow.name,
        description: workflow.description ?? `Runs the workflow '${workflow.name}' behind Enact's policies; every call leaves a signed receipt.`,
        inputSchema: inputJsonSchemaOf(workflow.payloadSchema, workflow.inputJsonSchema),
      }),
    );
  }
  return described;
}
