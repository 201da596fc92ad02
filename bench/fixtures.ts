import { definePolicy, EnactClient, type ActionResult, type Policy, type ReceiptStore, type WorkflowContext } from "../src/index.js";

/** A benchmark-only signing secret (48 characters, so no insecure-secret escape hatch is needed). */
export const SECRET = "bench-secret-0123456789abcdef-0123456789abcdef-xy";

/** The kind of payload an agent sends: a small row for a table. */
export const PAYLOAD = Object.freeze({
  table: "leads",
  data: { email: "jane@acme.com", name: "Jane Doe", company: "Acme", dealValue: 12_000 },
  uniqueKey: "email",
});

const FIVE: readonly Policy[] = [
  definePolicy("require_email", (ctx) => {
    const email = (ctx.payload.data as { email?: unknown } | undefined)?.email;
    const passed = typeof email === "string" && email.includes("@");
    return { policy: "require_email", passed, reason: passed ? "Email present" : "Missing email" };
  }),
  definePolicy("business_domain", (ctx) => {
    const email = String((ctx.payload.data as { email?: unknown } | undefined)?.email ?? "");
    const free = /@(gmail|yahoo|hotmail)\.com$/i.test(email);
    return { policy: "business_domain", passed: !free, reason: free ? "Free mail domain" : "Business domain" };
  }),
  definePolicy("protect_tables", (ctx) => {
    const passed = ctx.payload.table !== "payments";
    return { policy: "protect_tables", passed, reason: passed ? "Table not protected" : "Protected table" };
  }),
  definePolicy("max_deal_value", (ctx) => {
    const value = Number((ctx.payload.data as { dealValue?: unknown } | undefined)?.dealValue ?? 0);
    return { policy: "max_deal_value", passed: value <= 1_000_000, reason: `Deal value ${value}` };
  }),
  definePolicy("agents_only", (ctx) => {
    const passed = ctx.actorEmail.endsWith("@company.com");
    return { policy: "agents_only", passed, reason: passed ? "Known agent" : "Unknown actor" };
  }),
];

/** `count` cheap, passing policies: the five above, repeated under distinct names. */
export function policies(count: number): Policy[] {
  return Array.from({ length: count }, (_, index) => {
    const base = FIVE[index % FIVE.length] as Policy;
    if (index < FIVE.length) return base;
    const name = `${base.name}_${index}`;
    return definePolicy(name, (ctx) => {
      const result = base(ctx) as { passed: boolean; reason: string };
      return { policy: name, passed: result.passed, reason: result.reason };
    });
  });
}

/** The workflow that does nothing: what remains is the firewall's own cost. */
export async function noop(_ctx: WorkflowContext): Promise<ActionResult[]> {
  return [];
}

/** The context a direct call of `noop` gets. */
export const DIRECT_CONTEXT: WorkflowContext = { workflow: "noop", actorEmail: "agent@company.com", payload: PAYLOAD, systems: {} };

/** A client with `policyCount` policies and the `noop` workflow, storing receipts in `store`. */
export function client(store: ReceiptStore, policyCount = 5): EnactClient {
  return new EnactClient({ secret: SECRET, receiptStore: store, policies: policies(policyCount), workflows: [noop] });
}

/** One run of `noop` through the firewall; throws if it did not PASS (a benchmark of a broken run measures nothing). */
export async function runNoop(enact: EnactClient, payload: Record<string, unknown> = PAYLOAD): Promise<void> {
  const [result] = await enact.run({ workflow: "noop", actorEmail: "agent@company.com", payload });
  if (!result.success) throw new Error("benchmark run did not pass");
}
