import { z } from "zod";
import { describe, expect, it } from "vitest";
import { defineWorkflow, EnactClient, MemoryReceiptStore, type ActionResult } from "enact-sdk";
import type { StandardSchemaV1 } from "../../src/standard-schema.js";
import { TEST_SECRET } from "../support/context.js";

/** A Standard Schema written by hand, as valibot or arktype would expose one: `{ to: string }`, validated asynchronously. */
const handWritten: StandardSchemaV1<unknown, { to: string }> = {
  "~standard": {
    version: 1,
    vendor: "hand-written",
    validate: async (value) => {
      const to = (value as { to?: unknown } | null)?.to;
      return typeof to === "string" ? { value: { to } } : { issues: [{ message: "must be a string", path: [{ key: "to" }] }] };
    },
  },
};

function clientWith(payload: StandardSchemaV1, seen: unknown[]): EnactClient {
  const send = defineWorkflow(
    "send",
    async (ctx): Promise<ActionResult[]> => {
      seen.push(ctx.payload);
      return [];
    },
    { payload, description: "Send a note.", inputJsonSchema: { type: "object", properties: { to: { type: "string" } }, required: ["to"] } },
  );
  return new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [send] });
}

describe("payload schemas are any Standard Schema", () => {
  it("runs with a valid payload checked by a hand-written async Standard Schema", async () => {
    const seen: unknown[] = [];
    const [result] = await clientWith(handWritten, seen).run({ workflow: "send", actorEmail: "a@b.test", payload: { to: "ops" } });
    expect(result.decision).toBe("PASS");
    expect(seen).toEqual([{ to: "ops" }]);
  });

  it("blocks an invalid payload with the schema's issues and their paths, leaving a receipt", async () => {
    const seen: unknown[] = [];
    const [result, receipt] = await clientWith(handWritten, seen).run({ workflow: "send", actorEmail: "a@b.test", payload: { to: 5 } });
    expect(result.reasons).toEqual(["payload_schema: Invalid payload: to: must be a string"]);
    expect(receipt.decision).toBe("BLOCK");
    expect(seen).toEqual([]);
  });

  it("blocks, not throws, when the schema's validate rejects", async () => {
    const exploding: StandardSchemaV1 = { "~standard": { version: 1, vendor: "x", validate: () => Promise.reject(new Error("boom")) } };
    const [result] = await clientWith(exploding, []).run({ workflow: "send", actorEmail: "a@b.test", payload: {} });
    expect(result.reasons).toEqual(["payload_schema: The payload schema threw: Error: boom"]);
  });

  it("refuses, at definition, a payload option that is not a Standard Schema", () => {
    expect(() => defineWorkflow("bad", async () => [], { payload: { parse: () => ({}) } as unknown as StandardSchemaV1 })).toThrow(/Standard Schema/);
  });

  it("describes workflows for adapters: the explicit JSON Schema, zod 4's own, or an open object", () => {
    const zodFlow = defineWorkflow("zod_flow", async () => [], { payload: z.object({ n: z.number(), label: z.string().optional() }) });
    const bare = defineWorkflow("bare", async () => []);
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [zodFlow, bare] });
    const [zodDescription, bareDescription] = enact.describeWorkflows();
    expect(zodDescription?.inputSchema).toMatchObject({ type: "object", properties: { n: { type: "number" } }, required: ["n"] });
    expect(bareDescription).toMatchObject({ name: "bare", inputSchema: { type: "object", additionalProperties: true } });
    expect(bareDescription?.description).toContain("bare");
    expect(clientWith(handWritten, []).describeWorkflows()[0]).toMatchObject({ description: "Send a note.", inputSchema: { required: ["to"] } });
  });
});
