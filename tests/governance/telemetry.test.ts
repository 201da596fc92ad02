import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { definePolicy, defineWorkflow, EnactClient, MemoryReceiptStore, type ActionResult } from "enact-sdk";

const SECRET = "telemetry-test-secret-0123456789abcdef";
const MARKER = "payload-value-that-must-not-leak";

const crm = {
  async createContact(email: string): Promise<ActionResult> {
    return { action: "create_contact", system: "crm", success: true, output: { email } };
  },
};
const newLead = defineWorkflow("new_lead", async (ctx) => [await (ctx.systems.crm as typeof crm).createContact(String(ctx.payload.email))]);
const allowed = definePolicy("allowed_domain", (ctx) => ({ policy: "allowed_domain", passed: String(ctx.payload.email).endsWith("@acme.com"), reason: "domain" }), { version: "2" });
const asyncCheck = definePolicy("async_check", async () => ({ policy: "async_check", passed: true, reason: "fine" }));

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

function client(): EnactClient {
  return new EnactClient({ secret: SECRET, receiptStore: new MemoryReceiptStore(), systems: { crm }, workflows: [newLead], policies: [allowed, asyncCheck], policySetVersion: "v7" });
}

describe("OpenTelemetry", () => {
  it("without a tracer provider, records nothing and changes nothing", async () => {
    const [, receipt] = await client().run({ workflow: "new_lead", actorEmail: "a@co.com", payload: { email: `${MARKER}@acme.com` } });
    expect(receipt.decision).toBe("PASS");
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  describe("with a provider", () => {
    beforeAll(() => {
      trace.setGlobalTracerProvider(provider);
    });
    afterAll(async () => {
      trace.disable();
      await provider.shutdown();
    });
    beforeEach(() => exporter.reset());

    it("makes each run a span enact.run with workflow, decision, run id and policy-set digest", async () => {
      const [, receipt] = await client().run({ workflow: "new_lead", actorEmail: "a@co.com", payload: { email: `${MARKER}@acme.com` } });
      const run = exporter.getFinishedSpans().find((span) => span.name === "enact.run");
      expect(run?.attributes).toMatchObject({
        "enact.workflow": "new_lead",
        "enact.decision": "PASS",
        "enact.run_id": receipt.runId,
        "enact.policy_set.digest": receipt.policySet?.digest,
        "enact.policy_set.version": "v7",
      });
    });

    it("gives each policy and each action a child span of the run", async () => {
      await client().run({ workflow: "new_lead", actorEmail: "a@co.com", payload: { email: `${MARKER}@acme.com` } });
      const spans = exporter.getFinishedSpans();
      const run = spans.find((span) => span.name === "enact.run");
      const children = spans.filter((span) => span.parentSpanContext?.spanId === run?.spanContext().spanId);
      expect(children.map((span) => span.name).sort()).toEqual(["enact.action", "enact.policy", "enact.policy"]);
      const policies = children.filter((span) => span.name === "enact.policy").map((span) => span.attributes);
      expect(policies).toContainEqual({ "enact.policy.name": "allowed_domain", "enact.policy.version": "2", "enact.policy.passed": true });
      expect(policies).toContainEqual({ "enact.policy.name": "async_check", "enact.policy.passed": true });
      const action = children.find((span) => span.name === "enact.action");
      expect(action?.attributes).toMatchObject({ "enact.system": "crm", "enact.method": "createContact", "enact.action": "create_contact", "enact.action.success": true });
    });

    it("records a blocked run's decision, and no workflow action", async () => {
      await client().run({ workflow: "new_lead", actorEmail: "a@co.com", payload: { email: `${MARKER}@evil.com` } });
      const spans = exporter.getFinishedSpans();
      expect(spans.find((span) => span.name === "enact.run")?.attributes["enact.decision"]).toBe("BLOCK");
      expect(spans.some((span) => span.name === "enact.action")).toBe(false);
    });

    it("never puts the payload, the actor or the secret in an attribute or status", async () => {
      await client().run({ workflow: "new_lead", actorEmail: "secret-actor@co.com", payload: { email: `${MARKER}@acme.com` } });
      const text = JSON.stringify(exporter.getFinishedSpans().map((span) => ({ attributes: span.attributes, status: span.status, events: span.events })));
      expect(text).not.toContain(MARKER);
      expect(text).not.toContain("secret-actor");
      expect(text).not.toContain(SECRET);
    });

    it("a policy that throws ends its span as an error, with the error's class only", async () => {
      const throws = definePolicy("throws", () => {
        throw new Error(`leaks ${MARKER}`);
      });
      const enact = new EnactClient({ secret: SECRET, receiptStore: new MemoryReceiptStore(), workflows: [newLead], policies: [throws] });
      const [, receipt] = await enact.run({ workflow: "new_lead", actorEmail: "a@co.com", payload: {} });
      expect(receipt.decision).toBe("BLOCK");
      const span = exporter.getFinishedSpans().find((candidate) => candidate.name === "enact.policy");
      expect(span?.status).toEqual({ code: 2, message: "the policy threw Error" });
    });
  });
});
