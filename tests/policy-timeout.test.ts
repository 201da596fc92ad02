import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError, DEFAULT_POLICY_TIMEOUT_MS, definePolicy, defineWorkflow, EnactClient, evaluateAll, MemoryReceiptStore, type Policy, type PolicyResult, type WorkflowContext } from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";
import { countingWorkflow } from "./support/counting-workflow.js";

const AGENT = "billing-agent@co.com";
const CTX: WorkflowContext = { workflow: "send_invoice", actorEmail: AGENT, payload: {}, systems: {} };
const passes: Policy = () => ({ policy: "pass_policy", passed: true, reason: "ok" });
// Waits on something that never answers: a lookup against a service that hangs.
const hangs = definePolicy("hangs", () => new Promise<PolicyResult>(() => {}));

function clientWith(options: { policies?: Policy[]; shadowPolicies?: Policy[]; policyTimeoutMs?: number; actorRoles?: (email: string) => Promise<string | undefined> }) {
  const { workflow, counter } = countingWorkflow();
  const store = new MemoryReceiptStore();
  const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], ...options });
  return { enact, store, counter };
}

// Timeouts are driven by fake timers: no test waits for real time to pass.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("policies that do not decide in time", () => {
  it("count a policy still undecided at the timeout as failed, keeping the others' results in order", async () => {
    const evaluated = evaluateAll(CTX, [passes, hangs], { timeoutMs: 50 });
    await vi.advanceTimersByTimeAsync(50);
    expect(await evaluated).toEqual([
      { policy: "pass_policy", passed: true, reason: "ok" },
      { policy: "hangs", passed: false, reason: "Policy did not decide within 50 ms (policyTimeoutMs): counted as failed" },
    ]);
  });

  it("block the run, execute nothing and write the receipt when a policy hangs", async () => {
    const { enact, store, counter } = clientWith({ policies: [passes, hangs], policyTimeoutMs: 200 });
    const running = enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    await vi.advanceTimersByTimeAsync(200);
    const [result, receipt] = await running;
    expect(result.decision).toBe("BLOCK");
    expect(receipt.policyResults[1]).toEqual({ policy: "hangs", passed: false, reason: "Policy did not decide within 200 ms (policyTimeoutMs): counted as failed" });
    expect(counter.executions).toBe(0);
    expect(await store.load(receipt.runId)).toEqual(receipt);
  });

  it("do not hold an idempotency key: a keyed run blocked by a hung policy completes it, and a retry replays the BLOCK", async () => {
    const { enact, store, counter } = clientWith({ policies: [hangs], policyTimeoutMs: 50 });
    const first = enact.run({ workflow: "send_invoice", actorEmail: AGENT, idempotencyKey: "invoice-7" });
    await vi.advanceTimersByTimeAsync(50);
    const [, blocked] = await first;
    expect(await store.getClaim("invoice-7")).toMatchObject({ state: "completed", runId: blocked.runId });
    const [retry, replayed] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT, idempotencyKey: "invoice-7" });
    expect(retry.decision).toBe("BLOCK");
    expect(replayed.runId).toBe(blocked.runId);
    expect(counter.executions).toBe(0);
  });

  it("wait 10 seconds by default", async () => {
    const { enact } = clientWith({ policies: [hangs] });
    const running = enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    await vi.advanceTimersByTimeAsync(DEFAULT_POLICY_TIMEOUT_MS - 1);
    let settled = false;
    void running.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const [result] = await running;
    expect(DEFAULT_POLICY_TIMEOUT_MS).toBe(10_000);
    expect(result.decision).toBe("BLOCK");
  });

  it("ignore what a timed-out policy decides afterwards", async () => {
    let decide: (result: PolicyResult) => void = () => {};
    const late = definePolicy("late", () => new Promise<PolicyResult>((resolve) => (decide = resolve)));
    const { enact, counter } = clientWith({ policies: [late], policyTimeoutMs: 100 });
    const running = enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    await vi.advanceTimersByTimeAsync(100);
    decide({ policy: "late", passed: true, reason: "ok after all" });
    const [, receipt] = await running;
    expect(receipt.policyResults).toEqual([{ policy: "late", passed: false, reason: "Policy did not decide within 100 ms (policyTimeoutMs): counted as failed" }]);
    expect(counter.executions).toBe(0);
  });

  it("leave no timer behind when every async policy decides in time", async () => {
    const slowPass = definePolicy("slow_pass", async () => ({ policy: "slow_pass", passed: true, reason: "ok" }));
    const { enact, counter } = clientWith({ policies: [slowPass] });
    const [result] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    expect(result.decision).toBe("PASS");
    expect(counter.executions).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("record a hung shadow policy as failed without holding up or failing the run", async () => {
    const { enact, counter } = clientWith({ policies: [passes], shadowPolicies: [hangs], policyTimeoutMs: 30 });
    const running = enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    await vi.advanceTimersByTimeAsync(30);
    const [result, receipt] = await running;
    expect(result.decision).toBe("PASS");
    expect(counter.executions).toBe(1);
    expect(receipt.shadowResults).toEqual([{ policy: "hangs", passed: false, reason: "Policy did not decide within 30 ms (policyTimeoutMs): counted as failed" }]);
  });

  it("time out a thenable that never calls back, as any other policy", async () => {
    const silent = definePolicy("silent_thenable", () => ({ then: () => undefined }) as unknown as PolicyResult);
    const evaluated = evaluateAll(CTX, [silent], { timeoutMs: 10 });
    await vi.advanceTimersByTimeAsync(10);
    expect((await evaluated)[0]).toMatchObject({ policy: "silent_thenable", passed: false });
  });
});

describe("other checks before the workflow that do not answer in time", () => {
  it("block the run when the actorRoles lookup hangs, with an actor_role reason", async () => {
    const { enact, counter } = clientWith({ policies: [passes], actorRoles: () => new Promise(() => {}), policyTimeoutMs: 40 });
    const running = enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    await vi.advanceTimersByTimeAsync(40);
    const [result, receipt] = await running;
    expect(result.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([{ policy: "actor_role", passed: false, reason: "The actorRoles lookup did not answer within 40 ms (policyTimeoutMs)" }]);
    expect(counter.executions).toBe(0);
  });

  it("block the run when an async payload schema hangs, with a payload_schema reason", async () => {
    const hangingSchema = { "~standard": { version: 1 as const, vendor: "test", validate: () => new Promise<never>(() => {}) } };
    const workflow = defineWorkflow("send_invoice", () => [], { payload: hangingSchema });
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow], policies: [passes], policyTimeoutMs: 25 });
    const running = enact.run({ workflow: "send_invoice", actorEmail: AGENT, payload: { to: "a@b.co" } });
    await vi.advanceTimersByTimeAsync(25);
    const [result, receipt] = await running;
    expect(result.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([{ policy: "payload_schema", passed: false, reason: "The payload schema did not decide within 25 ms (policyTimeoutMs)" }]);
  });

  it("fail with its error, and leave no timer, when the lookup rejects in time", async () => {
    const { enact } = clientWith({ policies: [passes], actorRoles: () => Promise.reject(new Error("directory down")) });
    const [result, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    expect(result.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([{ policy: "actor_role", passed: false, reason: "Could not resolve the actor's role: Error: directory down" }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("take a role the lookup gives in time", async () => {
    const seenRole: Policy = (ctx) => ({ policy: "seen_role", passed: true, reason: String(ctx.actorRole) });
    const { enact } = clientWith({ policies: [seenRole], actorRoles: async () => "billing" });
    const [, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    expect(receipt.policyResults).toEqual([{ policy: "seen_role", passed: true, reason: "billing" }]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("hostile thenables returned by a policy", () => {
  it("count one whose then() throws as a policy that threw", async () => {
    const throwing = definePolicy("throwing_thenable", () => ({
      then: () => {
        throw new Error("no");
      },
    }) as unknown as PolicyResult);
    expect(await evaluateAll(CTX, [throwing])).toEqual([{ policy: "throwing_thenable", passed: false, reason: "Policy threw: Error: no" }]);
  });

  it("take only the first answer of one that calls back twice", async () => {
    const twice = definePolicy("twice", () => ({
      then: (resolve: (result: PolicyResult) => void) => {
        resolve({ policy: "twice", passed: false, reason: "first" });
        resolve({ policy: "twice", passed: true, reason: "second" });
      },
    }) as unknown as PolicyResult);
    expect(await evaluateAll(CTX, [twice])).toEqual([{ policy: "twice", passed: false, reason: "first" }]);
  });
});

describe("the policyTimeoutMs option", () => {
  it.each([0, -1, Number.NaN, "100"])("refuses %s", (value) => {
    expect(() => clientWith({ policyTimeoutMs: value as number })).toThrow(ConfigurationError);
  });

  it("says what it takes when it refuses a value", () => {
    expect(() => clientWith({ policyTimeoutMs: 0 })).toThrow("policyTimeoutMs must be a positive number of ms (or Infinity), got 0.");
  });

  it("accepts Infinity, and then sets no timer for a policy that never decides", async () => {
    const { enact } = clientWith({ policies: [hangs], policyTimeoutMs: Infinity });
    void enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
