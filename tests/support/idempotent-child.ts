/**
 * A separate Node process running one keyed run, for the cross-process idempotency tests.
 * argv[2] is a JSON config: { store, key, ledger, mode }.
 * - mode "race": prints READY, waits for a line on stdin, runs, prints the outcome as JSON.
 * - mode "hang": runs a workflow that records its execution, prints EXECUTING, and never finishes
 *   (the test kills the process: a crash between claim and completion).
 */
import { appendFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { defineWorkflow, EnactClient, FileReceiptStore, type ReceiptStore } from "../../src/index.js";
import { PostgresReceiptStore } from "../../src/stores/postgres-store.js";
import { TEST_SECRET } from "./context.js";

type StoreConfig = { kind: "file"; directory: string } | { kind: "postgres"; connectionString: string; tablePrefix: string };
const config = JSON.parse(process.argv[2] ?? "{}") as { store: StoreConfig; key: string; ledger: string; mode: "race" | "hang" };

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

const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow] });
const request = { workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload: { to: "jane@acme.com" }, idempotencyKey: config.key };

if (config.mode === "race") {
  process.stdout.write("READY\n");
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once("line", () => resolve()));
}
try {
  const [result, receipt] = await enact.run(request);
  process.stdout.write(`${JSON.stringify({ runId: receipt.runId, replayed: result.replayed === true })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).name })}\n`);
}
await (store as { close?: () => Promise<void> }).close?.();
process.exit(0);
