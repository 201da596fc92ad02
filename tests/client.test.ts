import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  ConfigurationError,
  defineWorkflow,
  definePolicy,
  EnactClient,
  MemoryReceiptStore,
  ReceiptWriteError,
  UnknownWorkflowError,
  verifySignature,
  type ActionResult,
  type Policy,
  type Receipt,
  type ReceiptStore,
  type WorkflowContext,
} from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";

let receiptDir: string;
beforeEach(async () => {
  receiptDir = await mkdtemp(join(tmpdir(), "enact-client-"));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const policyPass: Policy = () => ({ policy: "pass_policy", passed: true, reason: "ok" });
const policyFail: Policy = () => ({ policy: "fail_policy", passed: false, reason: "blocked" });
const requireEmail: Policy = (ctx) => ({
  policy: "require_email",
  passed: "email" in ctx.payload,
  reason: "email" in ctx.payload ? "Email present" : "Missing email in payload",
});

async function dummyWorkflow(): Promise<ActionResult[]> {
  return [{ action: "do_thing", system: "test", success: true, output: { id: "abc" } }];
}
async function multiActionWorkflow(): Promise<ActionResult[]> {
  return [
    { action: "step_1", system: "test", success: true, output: { a: 1 } },
    { action: "step_2", system: "test", success: true, output: { b: 2 } },
  ];
}

function client(options: ConstructorParameters<typeof EnactClient>[0] = {}): EnactClient {
  return new EnactClient({ secret: TEST_SECRET, receiptDir, workflows: [dummyWorkflow], ...options });
}

async function storedReceipt(runId: string): Promise<unknown> {
  return JSON.parse(await readFile(join(receiptDir, `${runId}.json`), "utf8"));
}

describe("new EnactClient()", () => {
  it("refuses to start without a secret", () => {
    vi.stubEnv("ENACT_SECRET", "");
    expect(() => new EnactClient({ receiptDir })).toThrow(ConfigurationError);
    expect(() => new EnactClient({ receiptDir })).toThrow(/ENACT_SECRET/);
  });

  it("reads the secret from ENACT_SECRET", async () => {
    vi.stubEnv("ENACT_SECRET", TEST_SECRET);
    const enact = new EnactClient({ receiptDir, workflows: [dummyWorkflow] });
    const [, receipt] = await enact.run({ workflow: "dummyWorkflow", actorEmail: "a@b.com", payload: {} });
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("refuses a secret shorter than 32 characters", () => {
    expect(() => new EnactClient({ secret: "short", receiptDir })).toThrow(/at least 32/);
  });

  it("accepts a short secret only when told it is insecure on purpose", () => {
    expect(() => new EnactClient({ secret: "short", allowInsecureSecret: true, receiptDir })).not.toThrow();
  });

  it("registers workflows by function name or defined name", () => {
    const enact = client({ workflows: [dummyWorkflow, defineWorkflow("send_report", dummyWorkflow)] });
    expect(enact.workflows).toEqual(["dummyWorkflow", "send_report"]);
  });

  it("refuses two workflows with the same name", () => {
    expect(() => client({ workflows: [dummyWorkflow, defineWorkflow("dummyWorkflow", dummyWorkflow)] })).toThrow(
      /unique/,
    );
  });

  it("refuses an anonymous workflow", () => {
    expect(() => client({ workflows: [(() => async () => [])()] })).toThrow(/defineWorkflow/);
  });

  it("never exposes its secret when serialized or inspected", async () => {
    const enact = client();
    const { inspect } = await import("node:util");
    expect(JSON.stringify(enact)).not.toContain(TEST_SECRET);
    expect(inspect(enact, { showHidden: true, depth: 5 })).not.toContain(TEST_SECRET);
  });
});

describe("EnactClient.run()", () => {
  it("runs the workflow when every policy passes", async () => {
    const [result, receipt] = await client({ policies: [policyPass] }).run({
      workflow: "dummyWorkflow",
      actorEmail: "agent@test.com",
      payload: { key: "val" },
    });
    expect(result).toEqual({
      success: true,
      workflow: "dummyWorkflow",
      output: { do_thing: { id: "abc" } },
      decision: "PASS",
      runId: receipt.runId,
      reasons: [],
      errors: [],
      actions: [{ action: "do_thing", system: "test", success: true, output: { id: "abc" } }],
    });
    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken).toHaveLength(1);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("blocks and runs nothing when a policy fails", async () => {
    const workflow = vi.fn(dummyWorkflow);
    const [result, receipt] = await client({
      policies: [policyPass, policyFail],
      workflows: [defineWorkflow("guarded", workflow)],
    }).run({ workflow: "guarded", actorEmail: "agent@test.com", payload: {} });
    expect(workflow).not.toHaveBeenCalled();
    expect(result).toEqual({
      success: false,
      workflow: "guarded",
      output: {},
      decision: "BLOCK",
      runId: receipt.runId,
      reasons: ["fail_policy: blocked"],
      errors: [],
      actions: [],
    });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.actionsTaken).toEqual([]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("records every policy's reason on a BLOCK", async () => {
    const [, receipt] = await client({ policies: [policyFail, policyPass, policyFail] }).run({
      workflow: "dummyWorkflow",
      actorEmail: "agent@test.com",
      payload: {},
    });
    expect(receipt.policyResults.map((r) => r.policy)).toEqual(["fail_policy", "pass_policy", "fail_policy"]);
  });

  it("rejects an unknown workflow, naming the registered ones", async () => {
    const run = client().run({ workflow: "nonexistent", actorEmail: "a@b.com", payload: {} });
    await expect(run).rejects.toBeInstanceOf(UnknownWorkflowError);
    await expect(run).rejects.toThrow("Unknown workflow: nonexistent. Registered: [dummyWorkflow]");
  });

  it("writes the signed receipt to <receiptDir>/<runId>.json before resolving", async () => {
    const [, receipt] = await client().run({ workflow: "dummyWorkflow", actorEmail: "a@b.com", payload: {} });
    expect(await storedReceipt(receipt.runId)).toEqual(receipt);
  });

  it("returns each successful action's output under its name", async () => {
    const [result, receipt] = await client({ workflows: [multiActionWorkflow] }).run({
      workflow: "multiActionWorkflow",
      actorEmail: "agent@test.com",
      payload: {},
    });
    expect(result.output).toEqual({ step_1: { a: 1 }, step_2: { b: 2 } });
    expect(receipt.actionsTaken).toHaveLength(2);
  });

  it("gives policies the workflow, actor and payload", async () => {
    const seen: WorkflowContext[] = [];
    const capture: Policy = (ctx) => {
      seen.push(ctx);
      return { policy: "capture", passed: true, reason: "ok" };
    };
    await client({ policies: [capture] }).run({ workflow: "dummyWorkflow", actorEmail: "x@y.com", payload: { k: "v" } });
    expect(seen[0]).toMatchObject({ workflow: "dummyWorkflow", actorEmail: "x@y.com", payload: { k: "v" } });
  });

  it("passes with no policies and an empty action list", async () => {
    const [result, receipt] = await client({ workflows: [defineWorkflow("noop", async () => [])] }).run({
      workflow: "noop",
      actorEmail: "a@b.com",
    });
    expect(result.success).toBe(true);
    expect(receipt).toMatchObject({ decision: "PASS", actionsTaken: [], payload: {} });
  });

  it("reports success false when any action failed", async () => {
    const partly = defineWorkflow("partly", async () => [
      { action: "first", system: "test", success: true, output: { ok: true } },
      { action: "second", system: "test", success: false, output: { error: "nope" } },
    ]);
    const [result, receipt] = await client({ workflows: [partly] }).run({ workflow: "partly", actorEmail: "a@b.com" });
    expect(result).toMatchObject({ success: false, workflow: "partly", output: { first: { ok: true } }, decision: "PASS", errors: ["test.second: nope"] });
    expect(result.actions.map((action) => action.action)).toEqual(["first", "second"]);
    expect(receipt.decision).toBe("PASS");
  });

  it("blocks with a receipt when a policy throws", async () => {
    const explodes = definePolicy("explodes", () => {
      throw new Error("lookup failed");
    });
    const [result, receipt] = await client({ policies: [explodes] }).run({ workflow: "dummyWorkflow", actorEmail: "a@b.com" });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]?.reason).toContain("lookup failed");
    expect(await storedReceipt(receipt.runId)).toEqual(receipt);
  });

  it("resolves with a signed receipt holding the error and completed actions when the workflow throws", async () => {
    const system = {
      async step(n: number): Promise<ActionResult> {
        return { action: `step_${n}`, system: "demo", success: true, output: { n } };
      },
    };
    const crashes = defineWorkflow("crashes", async (ctx) => {
      const demo = ctx.systems.demo as typeof system;
      await demo.step(1);
      await demo.step(2);
      throw new Error("third step exploded");
    });
    const [result, receipt] = await client({ systems: { demo: system }, workflows: [crashes] }).run({
      workflow: "crashes",
      actorEmail: "a@b.com",
    });
    expect(result).toMatchObject({ success: false, workflow: "crashes", output: { step_1: { n: 1 }, step_2: { n: 2 } }, errors: ["workflow: Error: third step exploded"] });
    expect(receipt.decision).toBe("PASS");
    expect(receipt.error).toBe("Error: third step exploded");
    expect(receipt.actionsTaken.map((a) => a.action)).toEqual(["step_1", "step_2"]);
    expect(verifySignature(await storedReceipt(receipt.runId), TEST_SECRET)).toBe(true);
  });

  it("never writes the signing secret into a receipt's error", async () => {
    const leaky = defineWorkflow("leaky", async () => {
      throw new Error(`config was ${TEST_SECRET}`);
    });
    const [, receipt] = await client({ workflows: [leaky] }).run({ workflow: "leaky", actorEmail: "a@b.com" });
    expect(receipt.error).toBe("Error: config was [REDACTED]");
  });

  it("treats a workflow that returns something other than ActionResults as failed", async () => {
    const sloppy = defineWorkflow("sloppy", async () => ({ done: true }) as unknown as ActionResult[]);
    const [result, receipt] = await client({ workflows: [sloppy] }).run({ workflow: "sloppy", actorEmail: "a@b.com" });
    expect(result.success).toBe(false);
    expect(receipt.error).toMatch(/array of ActionResults/);
  });

  it("records the payload JSON-safe, and the receipt verifies after being read back", async () => {
    const [, receipt] = await client().run({
      workflow: "dummyWorkflow",
      actorEmail: "a@b.com",
      payload: { at: new Date("2026-01-01T00:00:00Z"), big: 12345678901234567890n, skip: undefined },
    });
    expect(receipt.payload).toEqual({ at: "2026-01-01T00:00:00.000Z", big: "12345678901234567890" });
    expect(verifySignature(await storedReceipt(receipt.runId), TEST_SECRET)).toBe(true);
  });

  it("checks and runs a snapshot of the payload, whatever the caller changes meanwhile", async () => {
    const payload: Record<string, unknown> = { branch: "agent/fix" };
    let workflowSaw: unknown;
    const slowPolicy: Policy = async () => {
      await Promise.resolve();
      payload.branch = "main";
      return { policy: "slow", passed: true, reason: "ok" };
    };
    const recordBranch = defineWorkflow("record_branch", async (ctx) => {
      workflowSaw = ctx.payload.branch;
      return [];
    });
    const [, receipt] = await client({ policies: [slowPolicy], workflows: [recordBranch] }).run({
      workflow: "record_branch",
      actorEmail: "a@b.com",
      payload,
    });
    expect(workflowSaw).toBe("agent/fix");
    expect(receipt.payload).toEqual({ branch: "agent/fix" });
  });

  it("does not let a policy change the payload the workflow gets", async () => {
    const meddler: Policy = (ctx) => {
      try {
        (ctx.payload as Record<string, unknown>).branch = "main";
      } catch {
        // frozen: the attempt fails, as it should
      }
      return { policy: "meddler", passed: true, reason: "ok" };
    };
    let workflowSaw: unknown;
    const recordBranch = defineWorkflow("record_branch", async (ctx) => {
      workflowSaw = ctx.payload.branch;
      return [];
    });
    await client({ policies: [meddler], workflows: [recordBranch] }).run({
      workflow: "record_branch",
      actorEmail: "a@b.com",
      payload: { branch: "agent/x" },
    });
    expect(workflowSaw).toBe("agent/x");
  });

  it("blocks a run with no actor, with a receipt", async () => {
    const [result, receipt] = await client().run({ workflow: "dummyWorkflow", actorEmail: "  ", payload: {} });
    expect(result.success).toBe(false);
    expect(receipt.policyResults).toEqual([{ policy: "actor_identity", passed: false, reason: "actorEmail must be a non-empty string" }]);
  });

  it("blocks a payload that is not an object, with a receipt", async () => {
    const [, receipt] = await client().run({
      workflow: "dummyWorkflow",
      actorEmail: "a@b.com",
      payload: "DROP TABLE users" as unknown as Record<string, unknown>,
    });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]?.reason).toBe("payload must be an object");
  });

  it("resolves with 500 distinct, valid receipt files for 500 concurrent runs", async () => {
    const enact = client({ policies: [policyPass] });
    const runs = await Promise.all(
      Array.from({ length: 500 }, (_, i) => enact.run({ workflow: "dummyWorkflow", actorEmail: "a@b.com", payload: { i } })),
    );
    const files = (await readdir(receiptDir)).filter((name) => name.endsWith(".json")); // not journal/
    expect(files).toHaveLength(500);
    expect(new Set(runs.map(([, receipt]) => receipt.runId)).size).toBe(500);
    const stored = await Promise.all(runs.map(([, receipt]) => storedReceipt(receipt.runId)));
    expect(stored.every((receipt) => verifySignature(receipt, TEST_SECRET))).toBe(true);
  });

  it("rejects with the signed receipt attached when the receipt cannot be stored", async () => {
    const brokenStore: ReceiptStore = new (class extends MemoryReceiptStore {
      override async write(): Promise<string> {
        throw new Error("disk full");
      }
    })();
    const run = client({ receiptStore: brokenStore }).run({ workflow: "dummyWorkflow", actorEmail: "a@b.com" });
    const error = (await run.catch((e: unknown) => e)) as ReceiptWriteError;
    expect(error).toBeInstanceOf(ReceiptWriteError);
    expect(error.message).toContain("disk full");
    expect(verifySignature(error.receipt, TEST_SECRET)).toBe(true);
  });

  it("verifies receipts with its own secret", async () => {
    const enact = client();
    const [, receipt] = await enact.run({ workflow: "dummyWorkflow", actorEmail: "a@b.com" });
    expect(enact.verifyReceipt(receipt)).toBe(true);
    expect(enact.verifyReceipt({ ...receipt, actorEmail: "someone@else.com" } satisfies Receipt)).toBe(false);
  });
});

describe("workflows defined with a payload schema", () => {
  const sendReport = defineWorkflow(
    "send_report",
    async (ctx) => [{ action: "send", system: "mail", success: true, output: { to: ctx.payload.to, copies: ctx.payload.copies } }],
    { payload: z.object({ to: z.email(), copies: z.number().int().positive().default(1) }) },
  );

  it("runs with the parsed payload, defaults applied", async () => {
    const [result] = await client({ workflows: [sendReport] }).run({
      workflow: "send_report",
      actorEmail: "a@b.com",
      payload: { to: "boss@acme.com" },
    });
    expect(result.output).toEqual({ send: { to: "boss@acme.com", copies: 1 } });
  });

  it("blocks an invalid payload with the validation message, without running policies", async () => {
    const policy = vi.fn(policyPass);
    const [result, receipt] = await client({ workflows: [sendReport], policies: [policy] }).run({
      workflow: "send_report",
      actorEmail: "a@b.com",
      payload: { to: "not-an-email", copies: -2 },
    });
    expect(result.success).toBe(false);
    expect(policy).not.toHaveBeenCalled();
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]?.policy).toBe("payload_schema");
    expect(receipt.policyResults[0]?.reason).toMatch(/^Invalid payload: to: .*; copies: /);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });
});

describe("actor roles", () => {
  const seenRole: Policy = (ctx) => ({ policy: "seen_role", passed: true, reason: String(ctx.actorRole) });

  it("takes the role from actorRoles, ignoring what the payload claims", async () => {
    const [, receipt] = await client({ policies: [seenRole], actorRoles: { "bot@co.com": "contractor" } }).run({
      workflow: "dummyWorkflow",
      actorEmail: "bot@co.com",
      payload: { actorRole: "admin" },
    });
    expect(receipt.policyResults[0]?.reason).toBe("contractor");
  });

  it("leaves the role unset for an actor actorRoles does not know, even if the payload claims one", async () => {
    const [, receipt] = await client({ policies: [seenRole], actorRoles: { "bot@co.com": "contractor" } }).run({
      workflow: "dummyWorkflow",
      actorEmail: "stranger@co.com",
      payload: { actorRole: "admin" },
    });
    expect(receipt.policyResults[0]?.reason).toBe("undefined");
  });

  it("accepts an async resolver", async () => {
    const [, receipt] = await client({ policies: [seenRole], actorRoles: async (email) => (email.endsWith("@co.com") ? "engineer" : undefined) }).run({
      workflow: "dummyWorkflow",
      actorEmail: "dev@co.com",
    });
    expect(receipt.policyResults[0]?.reason).toBe("engineer");
  });

  it("falls back to payload.actorRole when no actorRoles is configured", async () => {
    const [, receipt] = await client({ policies: [seenRole] }).run({
      workflow: "dummyWorkflow",
      actorEmail: "dev@co.com",
      payload: { actorRole: "admin" },
    });
    expect(receipt.policyResults[0]?.reason).toBe("admin");
  });

  it("blocks when the role resolver throws", async () => {
    const [, receipt] = await client({
      policies: [seenRole],
      actorRoles: () => {
        throw new Error("directory down");
      },
    }).run({ workflow: "dummyWorkflow", actorEmail: "dev@co.com" });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]).toMatchObject({ policy: "actor_role", passed: false });
  });

  it("blocks when an async role resolver rejects", async () => {
    const [, receipt] = await client({ policies: [seenRole], actorRoles: async () => Promise.reject(new Error("directory down")) }).run({
      workflow: "dummyWorkflow",
      actorEmail: "dev@co.com",
    });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([
      { policy: "actor_role", passed: false, reason: "Could not resolve the actor's role: Error: directory down" },
    ]);
  });

  it("blocks when reading the actor's entry of an actorRoles map throws", async () => {
    const roles = Object.defineProperty({}, "dev@co.com", {
      enumerable: true,
      get: () => {
        throw new Error("bad entry");
      },
    }) as Record<string, string>;
    const [, receipt] = await client({ policies: [seenRole], actorRoles: roles }).run({ workflow: "dummyWorkflow", actorEmail: "dev@co.com" });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]).toMatchObject({ policy: "actor_role", passed: false, reason: "Could not resolve the actor's role: Error: bad entry" });
  });
});
