/**
 * One agent process of a fleet, for the Postgres fault tests: an EnactClient on a
 * PostgresReceiptStore, driven by JSON commands on stdin, reporting every run's outcome as a JSON
 * line on stdout. A separate process so that "never a crash of the process" is something the test
 * can observe: an uncaught error ends this process with a non-zero code and its stderr.
 *
 * argv[2]: { connectionString, tablePrefix }. Commands (one JSON object a line):
 * - { op: "runs", count, hold?, key? }: starts `count` runs at once (keyed when `key` is given).
 *   With `hold`, each run's workflow prints { event: "executing" } and waits for "release".
 * - { op: "release" }: lets every held workflow finish.
 * - { op: "stream", workers }: `workers` loops of back-to-back runs until "stop".
 * - { op: "stop" }: ends the stream loops after their current run; prints { event: "stopped" }.
 * - { op: "close" }: closes the store and exits 0.
 * Every run prints { event: "stored", runId, replayed } or { event: "rejected", name, code, message }.
 */
import { createInterface } from "node:readline";
import { defineWorkflow, definePolicy, EnactClient } from "../../src/index.js";
import { PostgresReceiptStore } from "../../src/stores/postgres-store.js";
import { TEST_SECRET } from "./context.js";

type Command =
  | { op: "runs"; count: number; hold?: boolean; key?: string }
  | { op: "release" }
  | { op: "stream"; workers: number }
  | { op: "stop" }
  | { op: "close" };

const config = JSON.parse(process.argv[2] ?? "{}") as { connectionString: string; tablePrefix: string };
const store = new PostgresReceiptStore({ connectionString: config.connectionString, tablePrefix: config.tablePrefix });

let releaseHeld: Array<() => void> = [];
let held = false;
const workflow = defineWorkflow("record_invoice", async () => {
  if (held) {
    await new Promise<void>((resolve) => {
      releaseHeld.push(resolve);
      print({ event: "executing" });
    });
  }
  return [{ action: "record_invoice", system: "billing", success: true, output: { pid: process.pid } }];
});
const policies = ["has_amount", "known_agent", "small_amount"].map((name) =>
  definePolicy(name, () => ({ policy: name, passed: true, reason: "ok" })),
);
const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, policies, workflows: [workflow] });

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function oneRun(key?: string): Promise<void> {
  try {
    const [result, receipt] = await enact.run({
      workflow: "record_invoice",
      actorEmail: "billing-agent@co.com",
      payload: { amount: 120, key: key ?? null },
      ...(key === undefined ? {} : { idempotencyKey: key }),
    });
    print({ event: "stored", runId: receipt.runId, replayed: result.replayed === true, success: result.success });
  } catch (error) {
    const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
    print({ event: "rejected", name: String(name), code: typeof code === "string" ? code : null, message: String(message) });
  }
}

let streaming = false;
const loops: Promise<void>[] = [];

async function handle(command: Command): Promise<void> {
  switch (command.op) {
    case "runs":
      held = command.hold === true;
      for (let i = 0; i < command.count; i++) void oneRun(command.key);
      return;
    case "release": {
      const waiting = releaseHeld;
      releaseHeld = [];
      held = false;
      for (const release of waiting) release();
      return;
    }
    case "stream":
      streaming = true;
      for (let i = 0; i < command.workers; i++) {
        loops.push((async () => {
          while (streaming) await oneRun();
        })());
      }
      return;
    case "stop":
      streaming = false;
      await Promise.all(loops.splice(0));
      print({ event: "stopped" });
      return;
    case "close":
      await store.close();
      process.exit(0);
  }
}

let queue = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  queue = queue.then(() => handle(JSON.parse(line) as Command));
});
print({ event: "ready" });
