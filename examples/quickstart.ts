/**
 * enact-sdk quickstart: `npm install && npm run quickstart`. No server, no environment variable.
 *
 * An agent asks Enact to run a workflow. Every policy is checked; the workflow runs only if all
 * pass; every run leaves a signed receipt in ./receipts. Then we verify the receipts on disk and
 * show that a tampered copy is caught.
 */
import { readFile } from "node:fs/promises";
import {
  defineWorkflow,
  definePolicy,
  EnactClient,
  receiptPath,
  verifySignature,
  type Receipt,
} from "enact-sdk";
import { postgresDemo } from "./postgres-demo.js";

// A clearly labelled demo secret. In production set ENACT_SECRET to 32+ random characters
// (e.g. `openssl rand -hex 32`); enact-sdk has no built-in default.
const DEMO_SECRET = "DEMO-ONLY-quickstart-secret-never-use-in-production";
const RECEIPT_DIR = "receipts";

// --- Policies: plain deterministic code, no LLM --------------------------------------------
const requireEmail = definePolicy("require_email", (ctx) => {
  const ok = typeof ctx.payload.email === "string" && ctx.payload.email.includes("@");
  return { policy: "require_email", passed: ok, reason: ok ? "Email present" : "Missing or invalid email in payload" };
});

const noFreeMailDomains = definePolicy("no_free_mail_domains", (ctx) => {
  const domain = String(ctx.payload.email ?? "").split("@")[1] ?? "";
  const free = ["gmail.com", "yahoo.com", "hotmail.com"].includes(domain.toLowerCase());
  return {
    policy: "no_free_mail_domains",
    passed: !free,
    reason: free ? `Leads from ${domain} are not accepted` : "Business domain",
  };
});

const agentsOnly = definePolicy("agents_only", (ctx) => {
  const ok = ctx.actorEmail.endsWith("@company.com");
  return { policy: "agents_only", passed: ok, reason: ok ? "Known agent" : `${ctx.actorEmail} is not one of our agents` };
});

// --- A workflow: the only thing the agent may ask for -------------------------------------
const greetLead = defineWorkflow("greet_lead", async (ctx) => [
  { action: "greet", system: "demo", success: true, output: { message: `Hello, ${String(ctx.payload.email)}!` } },
]);

const enact = new EnactClient({
  secret: DEMO_SECRET,
  receiptDir: RECEIPT_DIR,
  policies: [requireEmail, noFreeMailDomains, agentsOnly],
  workflows: [greetLead],
});

function printReceipt(receipt: Receipt): void {
  console.log(`  decision:  ${receipt.decision}`);
  for (const result of receipt.policyResults) {
    console.log(`    ${result.passed ? "PASS" : "FAIL"}  ${result.policy}: ${result.reason}`);
  }
  console.log(`  actions:   ${receipt.actionsTaken.map((a) => `${a.system}.${a.action}`).join(", ") || "(none)"}`);
  console.log(`  receipt:   ${receiptPath(RECEIPT_DIR, receipt.runId)}`);
  console.log(`  signature: ${receipt.signature.slice(0, 16)}…`);
}

async function main(): Promise<void> {
  console.log("=== Run 1: a good request → PASS ===");
  const [passResult, passReceipt] = await enact.run({
    workflow: "greet_lead",
    actorEmail: "agent@company.com",
    payload: { email: "jane@acme.com" },
  });
  console.log(`  success:   ${passResult.success}`);
  console.log(`  output:    ${JSON.stringify(passResult.output)}`);
  printReceipt(passReceipt);

  console.log("\n=== Run 2: a bad request → BLOCK, every failing policy says why ===");
  const [blockResult, blockReceipt] = await enact.run({
    workflow: "greet_lead",
    actorEmail: "intruder@elsewhere.net",
    payload: { email: "someone@gmail.com" },
  });
  console.log(`  success:   ${blockResult.success}`);
  printReceipt(blockReceipt);

  console.log("\n=== Verify the receipts on disk ===");
  for (const receipt of [passReceipt, blockReceipt]) {
    const stored: unknown = JSON.parse(await readFile(receiptPath(RECEIPT_DIR, receipt.runId), "utf8"));
    console.log(`  ${receipt.runId}.json  signature ${verifySignature(stored, DEMO_SECRET) ? "VALID" : "INVALID"}`);
  }

  console.log("\n=== Tamper with a copy: turn the BLOCK into a PASS ===");
  const stored = JSON.parse(await readFile(receiptPath(RECEIPT_DIR, blockReceipt.runId), "utf8")) as Receipt;
  const forged = { ...stored, decision: "PASS" as const };
  console.log(`  forged copy signature ${verifySignature(forged, DEMO_SECRET) ? "VALID" : "INVALID — tampering detected"}`);

  console.log("\n=== db_safe_insert on an embedded Postgres (no server needed) ===");
  await postgresDemo({ secret: DEMO_SECRET, receiptDir: RECEIPT_DIR, log: (line) => console.log(`  ${line}`) });
}

await main();
