// Child process for the multi-process journal tests: writes <count> receipts, one after another
// so each write races the other processes for the journal's tail, to a directory or, for
// `pg:<tablePrefix>`, to a PostgresReceiptStore. Run it through `runInLockstep` with <count>
// rounds: each write waits for the parent's "go", which all writers get at once, so every round
// really has all of them racing, however slow their start-up or the machine.
// Usage: node --import tsx journal-writer.ts <dir | pg:prefix> <count>
import { FileReceiptStore, type ReceiptStore } from "../../src/index.js";
import { CLI_SECRET, makeReceipt } from "./cli.js";
import { lockstepTurns } from "./lockstep.js";
import { postgresStore } from "./postgres-journal.js";

const [target = "", count] = process.argv.slice(2);
const store: ReceiptStore & { close?: () => Promise<void> } = target.startsWith("pg:")
  ? postgresStore(target.slice(3))
  : new FileReceiptStore(target, { secret: CLI_SECRET });
const nextRound = lockstepTurns();
process.stdout.write("ready\n");
for (let n = 0; n < Number(count); n += 1) {
  await nextRound();
  await store.write(makeReceipt({ payload: { pid: process.pid, n } }));
  // File store: wait for each journal entry, so every write races the other processes for a
  // segment number, and a round's entries all precede the next round's. A Postgres write is
  // journaled when it resolves; its flush() would seal, waiting for a seal lock a test may hold.
  if (store instanceof FileReceiptStore) await store.flush();
  process.stdout.write(`wrote ${n}\n`);
}
await store.close?.();
process.stdout.write("done\n");
