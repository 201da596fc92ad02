// Child process for the public-journal settle test: an Ed25519 client on a file store whose journal
// waits long before chaining runs <count> workflows, prints each run id, and exits without flush():
// its receipts are stored and logged ahead, not chained.
// Usage: node --import tsx ed25519-run-and-exit.ts <dir> <private key PEM file> <count>
import { readFileSync } from "node:fs";
import { defineWorkflow, EnactClient, FileReceiptStore, JournalKey } from "../../src/index.js";

const [directory = "", keyFile = "", count = "1"] = process.argv.slice(2);
const store = new FileReceiptStore(directory, { journalKey: JournalKey.publicChain(), journalIntervalMs: 60_000 });
const noop = defineWorkflow("noop", async () => []);
const enact = new EnactClient({ signingKey: { privateKey: readFileSync(keyFile, "utf8"), keyId: "k1" }, receiptStore: store, workflows: [noop] });
for (let n = 0; n < Number(count); n += 1) {
  const [, receipt] = await enact.run({ workflow: "noop", actorEmail: "agent@acme.dev", payload: { n } });
  process.stdout.write(`${receipt.runId}\n`);
}
process.exit(0);
