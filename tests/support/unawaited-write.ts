// Child process for the writer-thread tests: once the writer threads are ready, starts a receipt
// write and never awaits it, so nothing but the write itself keeps the process alive. Prints the
// receipt's run id.
// Usage: node --import tsx unawaited-write.ts <directory>
import { writeReceipt } from "../../src/index.js";
import { writerThreads } from "../../src/writer-thread.js";
import { makeReceipt } from "./cli.js";

const [directory = ""] = process.argv.slice(2);
// The process's first writes go through the threadpool while a writer thread starts.
await writeReceipt(makeReceipt(), directory);
while (writerThreads() === undefined) await new Promise((resolve) => setImmediate(resolve));
const receipt = makeReceipt();
void writeReceipt(receipt, directory);
process.stdout.write(`${receipt.runId}\n`);
