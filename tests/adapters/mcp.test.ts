import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileReceiptStore, MemoryReceiptStore, EnactClient } from "enact-sdk";
import type { ToolOutcome } from "enact-sdk/mcp";
import { ROOT, TSX } from "../support/cli.js";

const SECRET = "mcp-test-secret-0123456789abcdef-0123456789";

// The real CLI, from source, in a child process: `enact-sdk mcp --config tests/adapters/mcp-config.ts`.
describe("enact-sdk mcp over stdio", () => {
  let client: Client;
  let receipts: string;

  // One server for the file: each call is its own run, and spawning tsx is slow on a shared machine.
  beforeAll(async () => {
    receipts = await mkdtemp(join(tmpdir(), "enact-mcp-"));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", TSX, join(ROOT, "src/cli/main.ts"), "mcp", "--config", join(ROOT, "tests/adapters/mcp-config.ts")],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ENACT_TEST_RECEIPTS: receipts, NO_COLOR: "1" },
      stderr: "pipe",
    });
    client = new Client({ name: "enact-test", version: "1.0.0" });
    await client.connect(transport);
  }, 60_000);

  afterAll(async () => {
    await client.close();
  });

  async function call(args: Record<string, unknown>): Promise<{ result: CallToolResult; outcome: ToolOutcome }> {
    const result = (await client.callTool({ name: "issue_refund", arguments: args })) as CallToolResult;
    return { result, outcome: result.structuredContent as unknown as ToolOutcome };
  }

  async function storedReceipt(runId: string) {
    return new FileReceiptStore(receipts).load(runId);
  }

  it("lists each workflow as a tool with its description and the payload's JSON Schema", async () => {
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(1);
    expect(tools[0]).toMatchObject({ name: "issue_refund", description: "Refund an order.", inputSchema: { type: "object", required: ["orderId", "amount"] } });
  });

  it("runs a call that passes, as the configured actor, and answers with the outcome", async () => {
    const { result, outcome } = await call({ orderId: "A-1", amount: 20 });
    expect(result.isError).toBe(false);
    expect(outcome).toMatchObject({ decision: "PASS", success: true, output: { refund: { orderId: "A-1", amount: 20 } } });
    expect((await storedReceipt(outcome.runId))?.actorEmail).toBe("claude-desktop@acme.test");
  });

  it("answers a BLOCK with isError and the failed policy's reason, leaving a receipt", async () => {
    const { result, outcome } = await call({ orderId: "A-2", amount: 5000 });
    expect(result.isError).toBe(true);
    expect(outcome.reasons).toContain("refund_limit: Refunds over 1000 are never made by an agent");
    expect((await storedReceipt(outcome.runId))?.decision).toBe("BLOCK");
  });

  it("leaves a receipt for a malformed call: MCP does not validate, Enact does", async () => {
    const { result, outcome } = await call({ orderId: 7 });
    expect(result.isError).toBe(true);
    expect(outcome.reasons[0]).toMatch(/^payload_schema: Invalid payload: /);
    expect((await storedReceipt(outcome.runId))?.payload).toEqual({ orderId: 7 });
  });

  it("reports a run that needs approval with its request id and how to approve it; the same call then runs once", async () => {
    const first = await call({ orderId: "B-1", amount: 700 });
    expect(first.outcome.decision).toBe("PENDING_APPROVAL");
    const id = first.outcome.approvalRequestId!;
    const text = first.result.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
    expect(text).toContain(`npx enact-sdk approve ${id} --by <approver-email>`);

    const approver = new EnactClient({ secret: SECRET, receiptStore: new FileReceiptStore(receipts), approvers: ["lead@acme.test"] });
    await approver.approve(id, { approver: "lead@acme.test" });
    const second = await call({ orderId: "B-1", amount: 700 });
    expect(second.outcome).toMatchObject({ decision: "PASS", success: true });
    expect((await storedReceipt(second.outcome.runId))?.approval?.id).toBe(id);
  });
});

describe("createMcpServer()", () => {
  it("refuses an unknown workflow name at creation", async () => {
    const { createMcpServer } = await import("enact-sdk/mcp");
    const enact = new EnactClient({ secret: SECRET, receiptStore: new MemoryReceiptStore() });
    expect(() => createMcpServer(enact, { actorEmail: "a@b.test", workflows: ["nope"] })).toThrow(/unknown workflow 'nope'/);
  });
});

// The built bin (dist/cli.js, CommonJS), as `npx enact-sdk mcp` runs it, with a plain-JavaScript config.
describe("the built enact-sdk mcp", () => {
  it("loads an ES module config and serves its client's workflows", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(ROOT, "dist/cli.js"), "mcp", "--config", "tests/adapters/mcp-config.mjs", "--actor", "cursor@acme.test"],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "" },
      stderr: "pipe",
    });
    const builtClient = new Client({ name: "enact-test", version: "1.0.0" });
    await builtClient.connect(transport);
    try {
      expect((await builtClient.listTools()).tools.map((tool) => tool.name)).toEqual(["echo"]);
      const result = (await builtClient.callTool({ name: "echo", arguments: { text: "hi" } })) as CallToolResult;
      expect(result.isError).toBe(false);
      expect(result.structuredContent).toMatchObject({ decision: "PASS", output: { echo: { said: "hi" } } });
    } finally {
      await builtClient.close();
    }
  }, 60_000);
});
