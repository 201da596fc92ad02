/**
 * One of section 6's worker processes (an agent machine of a fleet): opens the same subjects as
 * the bench's process, prints READY, then for each line { subject, ms } on stdin runs that subject
 * back to back for `ms` and prints the batch's sample as JSON. Exits when stdin closes.
 */
import { createInterface } from "node:readline";
import { sequential } from "../harness.js";
import { openSubjects, type StoreTables } from "./postgres-store-subjects.js";

const tables = JSON.parse(process.argv[2] ?? "{}") as StoreTables;
const subjects = openSubjects(tables);
// Connect and warm up before the bench starts timing.
for (let i = 0; i < 5; i++) {
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
