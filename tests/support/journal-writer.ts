// Child process for the multi-process journal test: writes <count> receipts to <dir> through its
// own FileReceiptStore, one after another so each write races the other processes for the next
// journal segment. All writers start at the same wall-clock time <startAt> (ms since the epoch),
// a start barrier, so they really overlap whatever their start-up time.
// Usage: node --import tsx journal-writer.ts <dir> <count> <startAt>
import { setTimeout as delay } from "node:timers/promises";
import { FileReceiptStore } from "../../src/index.js";
import { CLI_SECRET, makeReceipt } from "./cli.js";

const [directory, count, startAt] = process.argv.slice(2);
const store = new FileReceiptStore(directory as string, { secret: CLI_SECRET });
await delay(Math.max(0, Number(startAt) - Date.now()));
for (let n = 0; n < Number(count); n += 1) await store.write(makeReceipt({ payload: { pid: process.pid, n } }));
process.stdout.write("done\n");
