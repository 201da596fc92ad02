/**
 * One of section 6's worker processes (an agent machine of a fleet): opens the same subjects as
 * the bench's process, warms up, prints READY, then for each line { subject, ms } on stdin runs
 * that subject back to back for `ms` and prints the batch's sample as JSON. Exits when stdin closes.
 *
 * Arguments: the tables (JSON), then how many runs of each subject warm the process up.
 */
import { createInterface } from "node:readline";
import { sequential } from "../harness.js";
import { openSubjects, type StoreTables } from "./postgres-store-subjects.js";

const [, , tablesJson, warmUpArgument] = process.argv;
const warmUpRuns = Number(warmUpArgument);
// Both come from the bench (settings.fleetWarmUpRuns): a silent default would time cold code again.
if (tablesJson === undefined || !Number.isSafeInteger(warmUpRuns) || warmUpRuns < 0) {
  throw new Error("usage: postgres-store-worker <tables as JSON> <warm-up runs of each subject>");
}
const tables = JSON.parse(tablesJson) as StoreTables;
const subjects = openSubjects(tables);
// Connect, and warm up before the bench starts timing: a fleet's agents are long-running
// processes, whose code V8 has long since optimized. With 8 processes sharing 2 cores, a worker
// took about 3,000 runs to get there (its runs/s still rose by a sixth after 2,000); after 5, the
// bench timed mostly code still being optimized, which weighs on a run (far more JavaScript than
// a bare INSERT's) several times as much as on the baseline.
for (let i = 0; i < warmUpRuns; i++) {
  await subjects.bare();
  await subjects.store();
  await subjects.write();
}
process.stdout.write("READY\n");

let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  queue = queue.then(async () => {
    const { subject, ms } = JSON.parse(line) as { subject: "bare" | "store" | "write"; ms: number };
    const sample = await sequential(subjects[subject], ms);
    process.stdout.write(`${JSON.stringify({ latencies: sample.latencies, elapsedMs: sample.elapsedMs })}\n`);
  });
});
lines.on("close", () => {
  void queue.then(() => subjects.close()).then(() => process.exit(0));
});
