// Child process for the journal tests: writes <count> receipts to <dir> and ends on its own,
// without calling flush(), so the test can check that a natural exit still journals them.
// Usage: node --import tsx write-and-exit.ts <dir> <count>
import { FileReceiptStore } from "../../src/index.js";
import { CLI_SECRET, makeReceipt } from "./cli.js";

const [directory = "", count] = process.argv.slice(2);
const store = new FileReceiptStore(directory, { secret: CLI_SECRET, journalIntervalMs: 200 });
for (let n = 0; n < Number(count); n += 1) await store.write(makeReceipt());
process.stdout.write("written\n");
