import type { FunctionTool, RunContext, RunToolApprovalItem, ToolInputParameters } from "@openai/agents";
import type { EnactClient } from "../client.js";
import { ConfigurationError } from "../errors.js";
import type { ApprovalDecisionRecord } from "../approvals/records.js";
import { loadPeer } from "../peer.js";
import { toStrictSchema } from "./strict-json-schema.js";
import type { ToolOutcome } from "./tool-outcome.js";
import { ToolRunner, type AdapterOptions } from "./tool-runner.js";

export type { ToolOutcome } from "./tool-outcome.js";

/** A JSON Schema tool parameter object, as the Agents SDK types it. */
type JsonParameters = Extract<ToolInputParameters, { additionalProperties: boolean }>;
type StrictParameters = Extract<JsonParameters, { additionalProperties: false }>;
type NonStrictParameters = Extract<JsonParameters, { additionalProperties: true }>;

// Fails at import, naming the package, when the app has not installed OpenAI Agents.
const agents = loadPeer<typeof import("@openai/agents")>("@openai/agents", "enact-sdk/openai-agents");

/** Options of `enactTools` for OpenAI Agents; functions get the run's `RunContext` (your app's `context` is on it). */
export interface EnactAgentsToolsOptions<TContext = unknown> extends AdapterOptions<RunContext<TContext>> {
  /**
   * Routes runs that need a person's approval through the Agents SDK's `needsApproval`
   * interruption (default true). With `false` the model gets a PENDING_APPROVAL outcome instead.
   */
  approvals?: boolean;
}

/** An Enact-backed function tool: its input is the model's JSON, its result a `ToolOutcome`. */
export type EnactFunctionTool<TContext = unknown> = FunctionTool<TContext, JsonParameters, ToolOutcome>;

/** A function call as the Agents SDK reports it (`RunToolApprovalItem.rawItem`). */
export interface AgentsToolCall {
  callId: string;
  name: string;
  arguments: string;
}

interface Bound {
  runner: ToolRunner<RunContext<unknown>>;
  restore: Map<string, (value: unknown) => unknown>;
}

const BOUND = new WeakMap<object, Bound>();

/**
 * One `@openai/agents` function tool per workflow, accepted in strict mode: the workflow's JSON
 * Schema is rewritten (every property required, optional ones nullable, no additional properties)
 * and the nulls mapped back before Enact validates. A schema strict mode cannot express (an open
 * record such as `data: Record<string, unknown>`) gives a non-strict tool. Enact, not the SDK,
 * validates, so a malformed call is a BLOCK with a receipt.
 *
 * @example
 * const tools = enactTools(enact, { actorEmail: (run) => run.context.user.email });
 * const agent = new Agent({ name: "support", instructions: "...", tools });
 */
export function enactTools<TContext = unknown>(enact: EnactClient, options: EnactAgentsToolsOptions<TContext>): EnactFunctionTool<TContext>[] {
  const runner = new ToolRunner<RunContext<unknown>>(enact, options as AdapterOptions<RunContext<unknown>>, "enact-sdk/openai-agents");
  const approvals = options.approvals !== false;
  const restore = new Map<string, (value: unknown) => unknown>();
  const tools = runner.workflows.map((workflow) => {
    const name = workflow.name;
    const strict = toStrictSchema(workflow.inputSchema);
    restore.set(name, strict.restore);
    const execute = (input: unknown, context?: RunContext<unknown>, details?: { toolCall?: { callId: string } }): Promise<ToolOutcome> =>
      runner.execute(name, strict.restore(input), contextOf(context), details?.toolCall?.callId, approvals);
    const needsApproval = (context: RunContext<unknown>, input: unknown, callId?: string): Promise<boolean> =>
      runner.needsApproval(name, strict.restore(input), context, callId);
    const common = { name, description: workflow.description, execute, ...(approvals ? { needsApproval } : {}), errorFunction: null };
    const made =
      strict.schema === undefined
        ? agents.tool({ ...common, parameters: nonStrict(workflow.inputSchema), strict: false as const })
        : agents.tool({ ...common, parameters: strict.schema as StrictParameters, strict: true as const });
    return made as unknown as EnactFunctionTool<TContext>;
  });
  const bound: Bound = { runner, restore };
  for (const made of tools) BOUND.set(made, bound);
  BOUND.set(tools, bound);
  return tools;
}

/**
 * Approves, in Enact, the run behind an Agents SDK interruption (`result.interruptions[i]`, or its
 * `rawItem`) as `approver`. Then `result.state.approve(item)` and `run(agent, result.state)`: the
 * call executes once, bound to this approval. Pass the run's context (`{ context }`) when the actor depends on it.
 */
export function approveToolCall<Context>(
  tools: readonly EnactFunctionTool<Context>[],
  item: RunToolApprovalItem | AgentsToolCall,
  by: { approver: string; note?: string },
  context?: Pick<RunContext<Context>, "context">,
): Promise<ApprovalDecisionRecord> {
  const { bound, call, input } = locate(tools, item);
  return bound.runner.approve(call.name, input, contextOf(context), call.callId, by);
}

/** Denies, in Enact, the run behind an interruption; then `result.state.reject(item)`. */
export function denyToolCall<Context>(
  tools: readonly EnactFunctionTool<Context>[],
  item: RunToolApprovalItem | AgentsToolCall,
  by: { approver: string; reason?: string },
  context?: Pick<RunContext<Context>, "context">,
): Promise<ApprovalDecisionRecord> {
  const { bound, call, input } = locate(tools, item);
  return bound.runner.deny(call.name, input, contextOf(context), call.callId, by);
}

function locate(tools: object, item: RunToolApprovalItem | AgentsToolCall): { bound: Bound; call: AgentsToolCall; input: unknown } {
  const bound = BOUND.get(tools);
  if (bound === undefined) throw new ConfigurationError("approveToolCall needs the tools returned by enactTools() of enact-sdk/openai-agents.");
  const raw = ("rawItem" in item ? item.rawItem : item) as Partial<AgentsToolCall>;
  if (typeof raw.callId !== "string" || typeof raw.name !== "string" || typeof raw.arguments !== "string") {
    throw new ConfigurationError("approveToolCall needs a function call item with callId, name and arguments.");
  }
  const restore = bound.restore.get(raw.name);
  if (restore === undefined) throw new ConfigurationError(`Tool '${raw.name}' is not one of these Enact tools.`);
  return { bound, call: raw as AgentsToolCall, input: restore(JSON.parse(raw.arguments)) };
}

// Approvals may pass just `{ context }`: the actor function reads `runContext.context`.
function contextOf<Context>(context: Pick<RunContext<Context>, "context"> | undefined): RunContext<unknown> {
  return (context ?? { context: undefined }) as RunContext<unknown>;
}

/** A schema strict mode cannot take, in the shape the SDK wants for a non-strict tool. */
function nonStrict(schema: Record<string, unknown>): NonStrictParameters {
  const properties = typeof schema.properties === "object" && schema.properties !== null ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  return { ...schema, type: "object", properties, required, additionalProperties: true } as NonStrictParameters;
}
