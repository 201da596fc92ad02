import { randomUUID } from "node:crypto";
import { tool as agentsTool, type RunContext } from "@openai/agents";
import { z } from "zod";
import { defineWorkflow, EnactClient, MemoryReceiptStore } from "../../src/index.js";
import { enactTools as aiTools } from "../../src/adapters/ai.js";
import { callTool, type McpCallContext } from "../../src/adapters/mcp-calls.js";
import { enactTools as agentsTools } from "../../src/adapters/openai-agents.js";
import { ToolRunner } from "../../src/adapters/tool-runner.js";
import { policies, SECRET } from "../fixtures.js";
import { interleave, sequential } from "../harness.js";
import type { Report } from "../report.js";
import type { Settings } from "../settings.js";

const SECTION = "8 agent adapters";
const ACTOR = "agent@company.com";
const PAYLOAD = Object.freeze({ table: "leads", data: { email: "jane@acme.com", name: "Jane Doe", company: "Acme", dealValue: 12_000 }, uniqueKey: "email" });

// The payload as a schema with an optional field: what the OpenAI adapter must make strict and map back.
const insertLead = defineWorkflow("insert_lead", async () => [], {
  payload: z.object({
    table: z.string(),
    data: z.object({ email: z.string(), name: z.string(), company: z.string(), dealValue: z.number() }),
    uniqueKey: z.string().optional(),
  }),
  description: "Insert a lead.",
});

function makeClient(): EnactClient {
  return new EnactClient({ secret: SECRET, receiptStore: new MemoryReceiptStore(), policies: policies(5), workflows: [insertLead] });
}

/**
 * Issue 24: what each adapter adds to one tool call, against `enact.run()` made directly for the
 * same call. The AI SDK and OpenAI Agents adapters key every call (conversation, workflow, tool
 * call id, actor, input), so their baseline is `run()` with an idempotency key; MCP calls are not
 * keyed, so its baseline is `run()` without one. Each adapter is driven as its framework drives
 * it — `needsApproval`, then `execute` (OpenAI: `invoke` with the JSON arguments) — minus the
 * framework's own work (model I/O, message bookkeeping, JSON-RPC). For OpenAI Agents, `invoke` is
 * the SDK's, so the baseline is the same SDK tool with hand-written glue calling `run()`.
 */
export async function adapters(report: Report, settings: Settings): Promise<void> {
  let enact = makeClient();
  let ai = aiTools(enact, { actorEmail: ACTOR });
  let agents = agentsTools(enact, { actorEmail: ACTOR });
  let mcp = new ToolRunner<McpCallContext>(enact, { actorEmail: ACTOR }, "bench");
  const fresh = (): void => {
    enact = makeClient();
    ai = aiTools(enact, { actorEmail: ACTOR });
    agents = agentsTools(enact, { actorEmail: ACTOR });
    mcp = new ToolRunner<McpCallContext>(enact, { actorEmail: ACTOR }, "bench");
  };
  let n = 0;
  const strictArgs = JSON.stringify(PAYLOAD);
  const runContext = { context: undefined } as RunContext<unknown>;
  const extra = { requestId: 1, signal: new AbortController().signal } as unknown as McpCallContext;
  const check = (passed: boolean): void => {
    if (!passed) throw new Error("benchmark call did not pass");
  };

  // The OpenAI baseline: the Agents SDK's own invoke path (JSON parsing, its bookkeeping) with
  // hand-written glue calling run() directly, so the row measures what the adapter adds.
  const strictSchema = agents[0]!.parameters;
  const glue = agentsTool({
    name: "insert_lead",
    description: "Insert a lead.",
    parameters: strictSchema as Extract<typeof strictSchema, { additionalProperties: false }>,
    strict: true,
    execute: async (input, _context, details) => {
      const [result] = await enact.run({ workflow: "insert_lead", actorEmail: ACTOR, payload: input as Record<string, unknown>, idempotencyKey: `tool-call:${details?.toolCall?.callId}` });
      return result;
    },
  });

  const ops = {
    glue: async () => {
      const callId = `call_${n++}`;
      const result = (await glue.invoke(runContext, strictArgs, { toolCall: { type: "function_call", callId, name: "insert_lead", arguments: strictArgs } })) as unknown as { success: boolean };
      check(result.success);
    },
    keyed: async () => {
      const [result] = await enact.run({ workflow: "insert_lead", actorEmail: ACTOR, payload: PAYLOAD, idempotencyKey: `tool-call:${randomUUID()}` });
      check(result.success);
    },
    unkeyed: async () => {
      const [result] = await enact.run({ workflow: "insert_lead", actorEmail: ACTOR, payload: PAYLOAD });
      check(result.success);
    },
    ai: async () => {
      const tool = ai.insert_lead!;
      const call = { toolCallId: `call_${n++}`, messages: [] };
      const needs = tool.needsApproval;
      if (typeof needs === "function" && (await needs(PAYLOAD, call))) throw new Error("unexpected approval");
      const outcome = (await tool.execute!(PAYLOAD, call)) as { success: boolean };
      check(outcome.success);
    },
    agents: async () => {
      const tool = agents[0]!;
      const callId = `call_${n++}`;
      if (await tool.needsApproval(runContext, { ...PAYLOAD, uniqueKey: PAYLOAD.uniqueKey }, callId)) throw new Error("unexpected approval");
      const outcome = (await tool.invoke(runContext, strictArgs, { toolCall: { type: "function_call", callId, name: "insert_lead", arguments: strictArgs } })) as { success: boolean };
      check(outcome.success);
    },
    mcp: async () => {
      const result = await callTool(mcp, new Map(), { name: "insert_lead", arguments: PAYLOAD }, extra);
      check(result.isError === false);
    },
  };
  const ms = settings.batchMs;
  const stats = await interleave(
    {
      keyed: { prepare: fresh, batch: () => sequential(ops.keyed, ms) },
      glue: { prepare: fresh, batch: () => sequential(ops.glue, ms) },
      ai: { prepare: fresh, batch: () => sequential(ops.ai, ms) },
      agents: { prepare: fresh, batch: () => sequential(ops.agents, ms) },
      unkeyed: { prepare: fresh, batch: () => sequential(ops.unkeyed, ms) },
      mcp: { prepare: fresh, batch: () => sequential(ops.mcp, ms) },
    },
    settings.rounds,
  );
  const keyedName = "run() with an idempotency key, memory store, sequential";
  const unkeyedName = "run() without a key, memory store, sequential";
  report.add(SECTION, keyedName, stats.keyed);
  report.add(SECTION, unkeyedName, stats.unkeyed);
  const glueName = "OpenAI Agents tool with hand-written glue calling run() (invoke, strict JSON)";
  report.add(SECTION, glueName, stats.glue);
  const rows = {
    ai: report.add(SECTION, "enact-sdk/ai tool: needsApproval + execute", stats.ai, keyedName),
    "openai-agents": report.add(SECTION, "enact-sdk/openai-agents tool: needsApproval + invoke (strict JSON)", stats.agents, glueName),
    mcp: report.add(SECTION, "enact-sdk/mcp tools/call handler", stats.mcp, unkeyedName),
  };
  for (const [name, row] of Object.entries(rows)) {
    report.target({
      id: `adapter-overhead-${name}`,
      description: `enact-sdk/${name}: one tool call, p50 above enact.run() made directly for the same call`,
      value: row.p50OverheadUs ?? Number.NaN,
      unit: "µs",
      comparison: "<=",
      limit: 10,
      detail: `p50 of the adapter's call − p50 of ${row.baseline}, 5 policies, zod payload schema`,
    });
  }
}
