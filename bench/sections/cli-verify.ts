import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { FileReceiptStore } from "../../src/index.js";
import { client, runNoop, SECRET } from "../fixtures.js";
import { interleave, type Sample } from "../harness.js";
import type { Report } from "../report.js";
import { scratchDirectory } from "../scratch.js";
import type { Settings } from "../settings.js";

const SECTION = "4 cli verify";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

const TARGET = {
  id: "cli-verify",
  description: "CLI `verify` vs reading + parsing the same receipt files",
  unit: "×",
  comparison: ">=",
  limit: 0.5,
} as const;

// The baseline: a process that merely reads and parses every receipt file of the directory.
const READ_AND_PARSE = `
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
let count = 0;
for (const name of readdirSync(process.argv[1])) {
  if (!/^[0-9a-f-]{36}\\.json$/.test(name)) continue;
  JSON.parse(readFileSync(join(process.argv[1], name), "utf8"));
  count++;
}
if (count === 0) process.exit(1);
`;

/**
 * The CLI's `verify` (issue 8, shipped as the package's `bin`) on a directory of receipts
 * against a process that only reads and parses the same files, both timed from spawn to exit.
 * It runs the built CLI (`npm run build` first), as users do.
 */
export async function cliVerify(report: Report, settings: Settings): Promise<void> {
  const bin = cliBin();
  await run("npm", ["run", "build", "--silent"], { cwd: ROOT });
  const root = await scratchDirectory("enact-bench-verify-");
  const directory = join(root, "receipts");
  await writeReceipts(directory, settings.verifyReceipts);
  const env = { ...process.env, ENACT_SECRET: SECRET, NO_COLOR: "1" };
  const timed = async (args: string[]): Promise<Sample> => {
    const start = performance.now();
    await run(process.execPath, args, { cwd: root, env, maxBuffer: 64 * 2 ** 20 });
    const elapsedMs = performance.now() - start;
    // One process handles every receipt: report the per-receipt time of this batch.
    return { latencies: Array.from({ length: settings.verifyReceipts }, () => (elapsedMs * 1000) / settings.verifyReceipts), elapsedMs };
  };
  const stats = await interleave(
    {
      readParse: { batch: () => timed(["-e", READ_AND_PARSE, directory]) },
      verify: { batch: () => timed([join(ROOT, bin), "verify", directory, "--json"]) },
    },
    Math.max(2, Math.round(settings.rounds / 3)),
  );
  const base = `read + JSON.parse ${settings.verifyReceipts} receipt files (one process)`;
  report.add(SECTION, base, stats.readParse);
  const verify = report.add(SECTION, `enact-sdk verify, ${settings.verifyReceipts} receipts (one process)`, stats.verify, base);
  report.target({ ...TARGET, value: verify.rateRatio ?? Number.NaN, detail: "receipts/s of `verify` ÷ receipts/s of read+parse, spawn to exit" });
}

/** The CLI script that package.json publishes as `enact-sdk`. */
function cliBin(): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
  const bin = manifest.bin["enact-sdk"];
  if (bin === undefined) throw new Error("package.json has no `enact-sdk` bin");
  return bin;
}

// Through the client, 64 in flight, so the store writes whatever it writes per receipt (journal included).
async function writeReceipts(directory: string, count: number): Promise<void> {
  const enact = client(new FileReceiptStore(directory));
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < count) await runNoop(enact);
    }),
  );
}

