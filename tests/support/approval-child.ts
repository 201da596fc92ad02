/**
 * A separate Node process making runs on a shared store, for the cross-process approval tests.
 * argv[2] is a JSON config: { store, mode, ledger, approvalId?, runs? }.
 * - "race": prints READY, waits for a line on stdin, makes `runs` concurrent runs with
 *   `approvalId`, prints their decisions as a JSON array.
 * - "hang": makes one run with `approvalId` whose workflow records its execution, prints
 *   EXECUTING and never finishes (the test kills it: a crash after the approval was claimed).
 * - "once": makes one run and prints `{ decision, policy }` (policy: the last policy result's name).
 * - "cutout": like "race", with a thermal cutout of 3 runs per hour instead of approval policies.
 */
import { appendFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { defineWorkflow, EnactClient, FileReceiptStore, type ReceiptStore } from "../../src/index.js";
import { requireApproval, thermalCutout } from "../../src/policies/index.js";
import { PostgresReceiptStore } from "../../src/stores/postgres-store.js";
import { TEST_SECRET } from "./context.js";

type StoreConfig = { kind: "file"; directory: string } | { kind: "postgres"; connectionString: string; tablePrefix: string };
const config = JSON.parse(process.argv[2] ?? "{}") as {
  store: StoreConfig;
  mode: "race" | "hang" | "once" | "cutout";
  ledger: string;
  approvalId?: string;
  runs?: number;
};

const store: ReceiptStore =
  config.store.kind === "file"
    ? new FileReceiptStore(config.store.directory)
    : new PostgresReceiptStore({ connectionString: config.store.connectionString, tablePrefix: config.store.tablePrefix });

const workflow = defineWorkflow("send_invoice", async () => {
  await appendFile(config.ledger, `${process.pid}\n`);
  if (config.mode === "hang") {
    process.stdout.write("EXECUTING\n");
    await new Promise(() => undefined);
  }
  return [{ action: "send_invoice", system: "billing", success: true, output: { pid: process.pid } }];
});

const policies =
  config.mode === "cutout"
    ? [thermalCutout({ max: 3, windowMs: 3_600_000, cooldownMs: 3_600_000 })]
    : [requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500)];
const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], policies });
const request = { workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload: { to: "jane@acme.com", amount: 900 }, approvalId: config.approvalId };

if (config.mode === "race" || config.mode === "cutout") {
  process.stdout.write("READY\n");
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once("line", () => resolve()));
  const outcomes = await Promise.all(
    Array.from({ length: config.runs ?? 1 }, () => enact.run(request).then(([, receipt]) => receipt.decision, (error: unknown) => (error as Error).name)),
  );
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
} else {
  const [, receipt] = await enact.run(request);
  process.stdout.write(`${JSON.stringify({ decision: receipt.decision, policy: receipt.policyResults.at(-1)?.policy })}\n`);
}
await enact.flush();
await (store as { close?: () => Promise<void> }).close?.();
process.exit(0);
