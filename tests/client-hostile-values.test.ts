import { describe, expect, it } from "vitest";
import {
  defineWorkflow,
  EnactClient,
  IdempotencyConflictError,
  MemoryReceiptStore,
  verifySignature,
  type ActionResult,
  type Payload,
  type Policy,
  type Receipt,
} from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";

// Whatever an agent sends and whatever a workflow returns or throws, a run that reaches enact
// leaves a signed receipt: hostile values are recorded as far as they can be, never a rejection.

/** A proxy every one of whose traps throws. */
function hostileProxy<T extends object>(target: T): T {
  const trap = (): never => {
    throw new Error("trap sprung");
  };
  const traps = ["apply", "construct", "defineProperty", "deleteProperty", "get", "getOwnPropertyDescriptor", "getPrototypeOf", "has", "isExtensible", "ownKeys", "preventExtensions", "set", "setPrototypeOf"];
  return new Proxy(target, Object.fromEntries(traps.map((name) => [name, trap])) as ProxyHandler<T>);
}

function nested(levels: number): Payload {
  let value: Payload = { bottom: true };
  for (let level = 0; level < levels; level++) value = { level: value };
  return value;
}

let executions = 0;
const counted = defineWorkflow("counted", async (): Promise<ActionResult[]> => {
  executions += 1;
  return [{ action: "count", system: "test", success: true, output: { executions } }];
});

function client(options: { workflows?: Parameters<typeof defineWorkflow>[1][]; policies?: Policy[]; store?: MemoryReceiptStore } = {}) {
  const store = options.store ?? new MemoryReceiptStore();
  const workflows = [counted, ...(options.workflows ?? []).map((run, index) => defineWorkflow(`w${index}`, run))];
  return { store, enact: new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows, policies: options.policies ?? [] }) };
}

async function expectUnreadablePayloadBlocked(payload: unknown, why: RegExp): Promise<Receipt> {
  executions = 0;
  const { enact, store } = client();
  const [result, receipt] = await enact.run({ workflow: "counted", actorEmail: "agent@co.com", payload: payload as Payload });
  expect(result.success).toBe(false);
  expect(receipt.decision).toBe("BLOCK");
  expect(receipt.payload).toEqual({});
  expect(receipt.policyResults).toEqual([{ policy: "payload_schema", passed: false, reason: expect.stringMatching(why) }]);
  expect(executions).toBe(0);
  expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  expect(await store.load(receipt.runId)).toEqual(receipt);
  return receipt;
}

describe("a payload that cannot be read as JSON", () => {
  it("is blocked with a receipt when a getter throws", async () => {
    const payload = {
      get amount(): number {
        throw new Error("getter says no");
      },
    };
    await expectUnreadablePayloadBlocked(payload, /cannot be read as JSON \(Error: getter says no\)/);
  });

  it("is blocked with a receipt when a toJSON throws", async () => {
    const payload = { when: { toJSON: (): never => { throw new TypeError("toJSON says no"); } } };
    await expectUnreadablePayloadBlocked(payload, /TypeError: toJSON says no/);
  });

  it("is blocked with a receipt when it is a proxy whose every trap throws", async () => {
    await expectUnreadablePayloadBlocked(hostileProxy({ to: "jane@acme.com" }), /cannot be read as JSON/);
  });

  it("is blocked with a receipt when its getter throws a proxy whose every trap throws", async () => {
    const payload = {
      get amount(): number {
        throw hostileProxy(new Error("unreadable"));
      },
    };
    await expectUnreadablePayloadBlocked(payload, /cannot be read as JSON \(A value that cannot be described/);
  });

  it("is blocked with a receipt when nested deeper than the limit", async () => {
    await expectUnreadablePayloadBlocked(nested(100_000), /nested deeper than 1000 levels/);
  });

  it("is blocked once for a key, and the key cannot be reused for an empty payload", async () => {
    const { enact, store } = client();
    const payload = { get x(): never { throw new Error("no"); } };
    const [, receipt] = await enact.run({ workflow: "counted", actorEmail: "a@co.com", payload: payload as Payload, idempotencyKey: "k-1" });
    expect(receipt.decision).toBe("BLOCK");
    expect((await store.getClaim("k-1"))?.state).toBe("completed");
    await expect(enact.run({ workflow: "counted", actorEmail: "a@co.com", payload: {}, idempotencyKey: "k-1" })).rejects.toThrow(IdempotencyConflictError);
  });
});

describe("hostile values from policies and workflows", () => {
  it("blocks with a receipt when an async policy resolves to a result whose getter throws", async () => {
    const sneaky: Policy = async () =>
      ({
        get policy(): string {
          throw new Error("no name");
        },
        passed: true,
        reason: "ok",
      }) as never;
    const { enact } = client({ policies: [sneaky] });
    const [, receipt] = await enact.run({ workflow: "counted", actorEmail: "a@co.com" });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]?.reason).toMatch(/Policy threw: Error: no name/);
  });

  it("records a workflow that throws a proxy whose every trap throws", async () => {
    const { enact } = client({
      workflows: [
        async () => {
          throw hostileProxy({});
        },
      ],
    });
    const [result, receipt] = await enact.run({ workflow: "w0", actorEmail: "a@co.com" });
    expect(result.success).toBe(false);
    expect(receipt.error).toMatch(/cannot be described/);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("records, after the workflow ran, an action whose output has a throwing getter, and completes the key", async () => {
    const output = {
      get id(): string {
        throw new Error("output getter");
      },
    };
    const { enact, store } = client({
      workflows: [
        async () => [
          { action: "first", system: "test", success: true, output: { id: "1" } },
          { action: "second", system: "test", success: true, output },
        ],
      ],
    });
    const [result, receipt] = await enact.run({ workflow: "w0", actorEmail: "a@co.com", idempotencyKey: "k-2" });
    expect(result.success).toBe(false);
    expect(receipt.actionsTaken).toEqual([
      { action: "first", system: "test", success: true, output: { id: "1" } },
      { action: "second", system: "test", success: true, output: { unrecorded: expect.stringMatching(/output getter/) } },
    ]);
    expect(receipt.error).toMatch(/could not record the actions as they are/);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect((await store.getClaim("k-2"))?.state).toBe("completed");
  });

  it("records, after the workflow ran, an action whose output is nested deeper than the limit", async () => {
    const { enact } = client({ workflows: [async () => [{ action: "deep", system: "test", success: true, output: nested(5000) }]] });
    const [, receipt] = await enact.run({ workflow: "w0", actorEmail: "a@co.com" });
    expect(receipt.actionsTaken[0]?.output).toEqual({ unrecorded: expect.stringMatching(/nested deeper than 1000 levels/) });
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });
});
