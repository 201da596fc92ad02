// Child process for the crash tests: runs workflows through an EnactClient on a file store whose
// journal waits long before chaining (so nothing is chained yet), prints each resolved run id,
// then stops the way <how> says, without flush().
// Usage: node --import tsx run-and-stop.ts <dir> <how> <count>
//   exit | throw | sigterm | sigkill: <count> runs one after another, then process.exit(0), an
//     uncaught exception, SIGTERM or SIGKILL to itself.
//   in-flight: keeps 64 runs in flight until killed from outside.
//   logged-only: starts one store write and exits in the same turn: its line is in the write-ahead
//     log (appended at once), its file not created (the turn's create on this thread taken first,
//     so the file waits for the end of the turn, which never comes).
import { defineWorkflow, EnactClient, FileReceiptStore } from "../../src/index.js";
import { takeInlineTurn } from "../../src/inline-create.js";
import { CLI_SECRET, makeReceipt } from "./cli.js";

const [directory = "", how = "exit", count = "1"] = process.argv.slice(2);
const store = new FileReceiptStore(directory, { secret: CLI_SECRET, journalIntervalMs: 60_000 });
const noop = defineWorkflow("noop", async () => []);
const enact = new EnactClient({ secret: CLI_SECRET, receiptStore: store, workflows: [noop] });

async function runOne(n: number): Promise<void> {
  const [, receipt] = await enact.run({ workflow: "noop", actorEmail: "agent@acme.dev", payload: { n } });
  process.stdout.write(`${receipt.runId}\n`);
}

if (how === "logged-only") {
  const receipt = makeReceipt();
  takeInlineTurn();
  void store.write(receipt);
  process.stdout.write(`${receipt.runId}\n`);
  process.exit(0);
} else if (how === "in-flight") {
  let n = 0;
  const lane = async (): Promise<void> => {
    for (;;) await runOne((n += 1));
  };
  await Promise.all(Array.from({ length: 64 }, lane));
} else {
  for (let n = 0; n < Number(count); n += 1) await runOne(n);
  if (how === "exit") process.exit(0);
  if (how === "throw") throw new Error("crash right after run() resolved");
  if (how === "sigterm") process.kill(process.pid, "SIGTERM");
  if (how === "sigkill") process.kill(process.pid, "SIGKILL");
}
