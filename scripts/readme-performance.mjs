// Rewrites README.md's performance summary (between the bench:targets markers) from
// bench/results.json, so the user guide always shows the latest recorded run and nothing older.
//   node scripts/readme-performance.mjs
import { readFileSync, writeFileSync } from "node:fs";

const LABELS = {
  "decision-signing-overhead": "decision + signing overhead per run (p50, memory store)",
  "approval-guards-overhead": "approval guards configured, not triggered",
  "file-store-sequential": "file store, sequential, vs creating one file",
  "file-store-concurrency": "file store, 64 in flight vs sequential",
  "postgres-connector": "`PostgresConnector` vs raw `pg` (worst case, time per call)",
  "cli-verify": "`verify` vs reading + parsing the same files",
  "postgres-store-sequential": "Postgres store vs bare INSERTs, sequential",
  "postgres-store-8-processes": "Postgres store vs bare INSERTs, 8 processes",
  "postgres-store-speed-up": "Postgres store 1 → 8 processes speed-up vs bare INSERTs'",
  "postgres-store-in-flight": "Postgres store, 64 in flight vs sequential",
  "ed25519-signing-cost": "Ed25519 signing vs HMAC signing of the same receipt",
  "otel-no-provider-overhead": "OpenTelemetry installed, no provider (p50 added)",
  "adapter-overhead-ai": "`enact-sdk/ai` tool call over `run()` (p50 added)",
  "adapter-overhead-openai-agents": "`enact-sdk/openai-agents` tool call over `run()` (p50 added)",
  "adapter-overhead-mcp": "`enact-sdk/mcp` tool call over `run()` (p50 added)",
  "ui-first-page": "`enact-sdk ui` first page vs `list --limit 50`, 100,000 receipts",
};

const results = JSON.parse(readFileSync(new URL("../bench/results.json", import.meta.url), "utf8"));
const number = (value, unit) => (unit === "×" ? `${value.toFixed(2)}×` : `${value.toFixed(1)} ${unit}`);
const met = results.targets.filter((target) => target.status === "met").length;
const { machine } = results;
// "Intel(R) Xeon(R) Processor" reads as "Intel Xeon"; the full name stays in results.json.
const cpu = machine.cpuModel.replace(/\((R|TM)\)/gi, "").replace(/\s+(CPU|Processor)\b.*$/i, "").replace(/\s+/g, " ").trim();
const lines = [
  `The latest recorded run (\`bench/results.json\`: ${machine.cores} shared ${cpu} cores, Node ${machine.node.replace(/^v/, "").split(".").slice(0, 2).join(".")},`,
  `${results.date.slice(0, 10)}) met ${met} of ${results.targets.length} targets:`,
  "",
  "| target | limit | latest |",
  "| --- | ---: | ---: |",
  ...results.targets.map((target) => {
    const label = LABELS[target.id] ?? target.description;
    const limit = `${target.comparison === "<=" ? "≤" : "≥"} ${number(target.limit, target.unit)}`;
    return `| ${label} | ${limit} | ${number(target.value, target.unit)} ${target.status === "met" ? "✅" : "❌"} |`;
  }),
];

const path = new URL("../README.md", import.meta.url);
const readme = readFileSync(path, "utf8");
const start = "<!-- bench:targets -->\n";
const end = "<!-- /bench:targets -->";
const from = readme.indexOf(start);
const to = readme.indexOf(end);
if (from < 0 || to < from) throw new Error("README.md has no <!-- bench:targets --> … <!-- /bench:targets --> block");
writeFileSync(path, `${readme.slice(0, from + start.length)}${lines.join("\n")}\n${readme.slice(to)}`);
console.log(`README.md: ${met} of ${results.targets.length} targets met (${results.date})`);
