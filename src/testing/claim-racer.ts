/**
 * The child side of `raceClaimsAcrossProcesses`: opens the store with the given module's
 * `openStore(argument)`, prints "ready", then for each round waits for "go" from the parent,
 * claims that round's key for a new run and prints the outcome as JSON. After the last round it
 * prints every key's holder as read back, closes the store and exits.
 */
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import type { IdempotencyClaim, ReceiptStore } from "../stores/receipt-store.js";

const config = JSON.parse(process.argv[2] ?? "{}") as { module: string; argument: unknown; rounds: number };
const { openStore } = (await import(pathToFileURL(config.module).href)) as { openStore: (argument: unknown) => Promise<ReceiptStore> | ReceiptStore };
const store = await openStore(config.argument);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const keyOf = (round: number): string => `cross-process-${round}`;

process.stdout.write("ready\n");
for (let round = 0; round < config.rounds; round += 1) {
  if ((await lines.next()).done === true) throw new Error(`the parent ended the race before round ${round}`);
  const now = new Date().toISOString();
  const runId = randomUUID();
  const claim: IdempotencyClaim = {
    key: keyOf(round),
    fingerprint: "f".repeat(64),
    workflow: "contract_workflow",
    actorEmail: "agent@co.com",
    payload: { round },
    runId,
    state: "claimed",
    owner: `contract:${process.pid}`,
    claimedAt: now,
    updatedAt: now,
  };
  const holder = await store.claim(claim);
  process.stdout.write(`${JSON.stringify({ round, key: claim.key, runId, won: holder === undefined, holder: holder?.runId ?? runId })}\n`);
}
const afterwards: Record<string, string | undefined> = {};
for (let round = 0; round < config.rounds; round += 1) afterwards[keyOf(round)] = (await store.getClaim(keyOf(round)))?.runId;
process.stdout.write(`${JSON.stringify(afterwards)}\n`);
await (store as { close?: () => Promise<void> }).close?.();
process.exit(0);
