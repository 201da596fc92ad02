import { describe, expect, it } from "vitest";
import { definePolicy, EnactClient, MemoryReceiptStore, type Policy, type PolicyResult } from "enact-sdk";
import { countingWorkflow } from "./support/counting-workflow.js";
import { TEST_SECRET } from "./support/context.js";

/*
 * The order `run()` promises (README): the idempotency key is claimed before any policy is
 * checked, so a replay never re-queries what the policies read; async policies run concurrently.
 * Pinned with events, never with timing.
 */

const request = { workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload: { to: "jane@acme.com", amount: 120 } };

function client(store: MemoryReceiptStore, policies: Policy[]): EnactClient {
  return new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [countingWorkflow().workflow], policies });
}

describe("EnactClient.run() with an idempotency key", () => {
  it("claims the key before it checks any policy", async () => {
    const store = new MemoryReceiptStore();
    const seen: Array<string | undefined> = [];
    const sawClaim = definePolicy("saw_claim", async () => {
      seen.push((await store.getClaim("inv-order"))?.state);
      return { policy: "saw_claim", passed: true, reason: "ok" };
    });

    await client(store, [sawClaim]).run({ ...request, idempotencyKey: "inv-order" });

    expect(seen).toEqual(["claimed"]);
  });

  it("does not check the policies again when it replays a finished run", async () => {
    const store = new MemoryReceiptStore();
    let checks = 0;
    const counted = definePolicy("counted", () => {
      checks += 1;
      return { policy: "counted", passed: true, reason: "ok" };
    });
    const enact = client(store, [counted]);
    await enact.run({ ...request, idempotencyKey: "inv-replay" });

    const [replayed] = await enact.run({ ...request, idempotencyKey: "inv-replay" });

    expect(replayed.replayed).toBe(true);
    expect(checks).toBe(1);
  });
});

describe("EnactClient.run() with async policies", () => {
  it("starts every async policy before any of them settles", async () => {
    const events: string[] = [];
    // Each policy settles only after a few turns of the microtask queue: run one after another,
    // the first would end before the second starts.
    const slow = (name: string): Policy =>
      definePolicy(name, async (): Promise<PolicyResult> => {
        events.push(`${name}:start`);
        for (let turn = 0; turn < 5; turn++) await Promise.resolve();
        events.push(`${name}:end`);
        return { policy: name, passed: true, reason: "ok" };
      });

    const [, receipt] = await client(new MemoryReceiptStore(), [slow("first"), slow("second")]).run(request);

    expect(receipt.decision).toBe("PASS");
    expect(events.slice(0, 2)).toEqual(["first:start", "second:start"]);
  });
});
