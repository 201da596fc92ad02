/**
 * `npm run bench`: measures what the firewall costs, every figure as a ratio to a baseline
 * measured in the same run, prints the table and the targets, and writes bench/results.json.
 *
 *   npm run bench                      # the full run (about two minutes)
 *   npm run bench -- --quick           # a short smoke run (not for publishing)
 *   npm run bench -- --only=1,2        # some sections
 *   npm run bench -- --out=path.json   # write the results elsewhere
 *
 * It never fails on a missed target: it is a measurement, not a test. It exits non-zero only
 * when a section crashes.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describeMachine } from "./machine.js";
import { Report } from "./report.js";
import { removeScratch } from "./scratch.js";
import { adapters } from "./sections/adapters.js";
import { cliVerify } from "./sections/cli-verify.js";
import { growth } from "./sections/growth.js";
import { postgres } from "./sections/postgres.js";
import { postgresStore } from "./sections/postgres-store.js";
import { runOverhead } from "./sections/run-overhead.js";
import { signing } from "./sections/signing.js";
import { governance } from "./sections/governance.js";
import { uiFirstPage } from "./sections/ui-first-page.js";
import { FULL, QUICK } from "./settings.js";

const SECTIONS = { "1": runOverhead, "2": signing, "3": postgres, "4": cliVerify, "5": growth, "6": postgresStore, "7": governance, "8": adapters, "9": uiFirstPage } as const;

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.find((arg) => arg.startsWith("--only="))?.slice("--only=".length).split(",");
const out = args.find((arg) => arg.startsWith("--out="))?.slice("--out=".length) ?? fileURLToPath(new URL("./results.json", import.meta.url));
const settings = quick ? QUICK : FULL;

const machine = describeMachine();
console.log(`enact-sdk benchmark${quick ? " (quick)" : ""} on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}`);
const report = new Report();
const started = performance.now();
try {
  for (const [id, section] of Object.entries(SECTIONS)) {
    if (only !== undefined && !only.includes(id)) continue;
    const sectionStart = performance.now();
    process.stdout.write(`section ${id}… `);
    await section(report, settings);
    console.log(`${((performance.now() - sectionStart) / 1000).toFixed(1)} s`);
  }
} finally {
  await removeScratch();
}
const durationS = (performance.now() - started) / 1000;

const missed = report.targets.filter((target) => target.status === "missed");
if (report.targets.length === 0) {
  console.log(`\n${report.table()}\n\nNo target is measured by the sections run.`);
} else {
  console.log(`\n${report.table()}\n\n${report.targetTable()}\n`);
  console.log(missed.length === 0 ? "Every measured target met." : `${missed.length} target(s) MISSED: ${missed.map((t) => t.id).join(", ")}`);
}
for (const warning of report.warnings) console.log(`WARNING: ${warning}`);

await writeFile(
  out,
  `${JSON.stringify({ machine, date: new Date().toISOString(), quick, durationS, settings, rows: report.rows, targets: report.targets, warnings: report.warnings }, null, 2)}\n`,
);
console.log(`Wrote ${out} (${durationS.toFixed(0)} s).`);
