// Child process for the multi-process journal tests: writes <count> receipts, one after another
// so each write races the other processes for the journal's tail, to a directory or, for
// `pg:<tablePrefix>`, to a PostgresReceiptStore. All writers start at the same wall-clock time
// <startAt> (ms since the epoch), a start barrier, so they really overlap whatever their
// start-up time. Usage: node --import tsx journal-writer.ts <dir | pg:prefix> <count> <startAt>
import { setTimeout as delay } from "node:timers/promises";
import { FileReceiptStore, type ReceiptStore } from "../../src/index.js";
import { CLI_SECRET, makeReceipt } from "./cli.js";
import { postgresStore } from "./postgres-journal.js";

const [target = "", count, startAt] = process.argv.slice(2);
const store: ReceiptStore & { close?: () => Promise<void> } = target.startsWith("pg:")
  ? postgresStore(target.slice(3))
  : new FileReceiptStore(target, { secret: CLI_SECRET });
await delay(Math.max(0, Number(startAt) - Date.now()));
for (let n = 0; n < Number(count); n += 1) {
  await store.write(makeReceipt({ payload: { pid: process.pid, n } }));
  // Wait for each journal entry, so every write races the other processes for a segment number.
  await store.flush?.();
}
await store.close?.();
process.stdout.write("done\n");
