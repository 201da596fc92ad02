import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { buildReceipt, FileReceiptStore, JournalKey, ReceiptSigner, type Decision } from "../../src/index.js";
import { receiptFilePath } from "../../src/journal/file-source.js";
import { SECRET } from "../fixtures.js";
import { summarize, type Stats } from "../harness.js";
import type { Report } from "../report.js";
import type { Settings } from "../settings.js";

const SECTION = "9 ui first page";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);
const PAGE_SIZE = 50;

/**
 * `enact-sdk ui` (issue 26): the time from starting the page server on a store of N receipts to
 * having its first page of the list (50 rows, newest first, each row's signature and journal
 * entry checked) vs the time `enact-sdk list --limit 50` takes to print the same page. Both are the built CLI,
 * spawned, timed to the answer; the page server's time includes its start, sign-in and building
 * its index from nothing (cold), which is the worst case a person meets.
 */
export async function uiFirstPage(report: Report, settings: Settings): Promise<void> {
  await run("npm", ["run", "build", "--silent"], { cwd: ROOT });
  const bin = join(ROOT, "dist/cli.js");
  const directory = await cachedStore(settings.uiReceipts);
  const env = { ...process.env, ENACT_SECRET: SECRET, NO_COLOR: "1" };
  // One run of each. `list --limit 50` prints the same page (the newest 50, each signature
  // checked); like the page server it reads every receipt to know which are newest. `list --json`
  // of the whole store is shown beside it. No rounds and no warm-up: each reads 100,000 files.
  // Wall time is the target; CPU time (user + sys of the spawned process) is printed beside it
  // because on a shared machine it moves far less with other tenants' load.
  const listJson = await timedList(bin, [directory, "--json"], env);
  progress("list --json", listJson);
  const ui = await firstPage(bin, directory, env);
  progress("ui first page", ui);
  const list = await timedList(bin, [directory, "--limit", String(PAGE_SIZE)], env);
  progress("list --limit", list);
  const one = (m: Measured): Stats => summarize([{ latencies: [m.wallMs * 1000], elapsedMs: m.wallMs }]);
  const n = settings.uiReceipts.toLocaleString("en-US");
  const base = `enact-sdk list --limit ${PAGE_SIZE}, ${n} receipts (spawn to exit)`;
  report.add(SECTION, base, one(list));
  report.add(SECTION, `enact-sdk list --json (every receipt), ${n} receipts (spawn to exit)`, one(listJson), base);
  report.add(SECTION, `enact-sdk ui: spawn to first page (${PAGE_SIZE} rows, verified), ${n} receipts`, one(ui), base);
  report.target({
    id: "ui-first-page",
    description: `first page of \`enact-sdk ui\` vs \`enact-sdk list --limit ${PAGE_SIZE}\` on ${n} receipts (wall time)`,
    unit: "×",
    comparison: "<=",
    limit: 0.5,
    value: ui.wallMs / list.wallMs,
    detail:
      `wall ${seconds(ui.wallMs)} vs ${seconds(list.wallMs)} (list --json ${seconds(listJson.wallMs)}); ` +
      `CPU ${seconds(ui.cpuMs)} vs ${seconds(list.cpuMs)} (list --json ${seconds(listJson.cpuMs)}); then a filtered page, which waits for the whole index: ${Math.round(ui.warmMs ?? Number.NaN)} ms`,
  });
}

interface Measured {
  wallMs: number;
  /** User + system CPU time of the spawned process. */
  cpuMs: number;
  warmMs?: number;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function progress(name: string, m: Measured): void {
  process.stdout.write(`[${name}: wall ${seconds(m.wallMs)}, CPU ${seconds(m.cpuMs)}] `);
}

/** `enact-sdk list <args>` under /usr/bin/time, its output discarded as it arrives. */
async function timedList(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const start = performance.now();
  const child = spawn("/usr/bin/time", ["-f", "%U %S", process.execPath, bin, "list", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.resume();
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  const wallMs = performance.now() - start;
  const times = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(err);
  if (code !== 0 || times === null) throw new Error(`enact-sdk list exited ${code}: ${err.slice(-500)}`);
  return { wallMs, cpuMs: (Number(times[1]) + Number(times[2])) * 1000 };
}

/** Starts `enact-sdk ui`, signs in, fetches the first page; resolves with the cold time and a warm page's time. */
async function firstPage(bin: string, directory: string, env: NodeJS.ProcessEnv): Promise<Measured> {
  const start = performance.now();
  const child = spawn(process.execPath, [bin, "ui", directory], { env, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(out);
        if (match !== null) resolve(match[0]);
      });
      child.once("exit", (code) => reject(new Error(`enact-sdk ui exited (${code}) before printing its URL: ${out}`)));
    });
    const origin = new URL(url).origin;
    const signIn = await fetch(url, { redirect: "manual" });
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const page = await fetch(`${origin}/api/receipts?page=0&pageSize=${PAGE_SIZE}`, { headers: { cookie } });
    const body = (await page.json()) as { rows: unknown[] };
    if (body.rows.length !== PAGE_SIZE) throw new Error(`the first page has ${body.rows.length} rows`);
    const wallMs = performance.now() - start;
    const cpuMs = cpuOf(child.pid);
    const warmStart = performance.now();
    await (await fetch(`${origin}/api/receipts?page=7&pageSize=${PAGE_SIZE}&decision=BLOCK`, { headers: { cookie } })).json();
    return { wallMs, cpuMs, warmMs: performance.now() - warmStart };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("close", resolve));
  }
}

/** User + system CPU time of a running process so far, from /proc (Linux; NaN elsewhere). */
function cpuOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ", in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
  } catch {
    return Number.NaN;
  }
}

const WORKFLOWS = ["db_safe_insert", "send_invoice", "update_deal", "create_pr", "sync_crm"];
const ACTORS = ["sales-agent@co.com", "billing-agent@co.com", "deals-agent@co.com", "ops-agent@co.com"];

/**
 * A directory of `count` signed, journaled receipts spread over 30 days, each file's modification
 * time set to just after its receipt's timestamp as on a store that grew over those days (the
 * page server reads files newest-modified first; a store copied without its times gets no help from
 * them and is read whole, as `list` reads it), kept in the OS temp
 * directory between runs (`<tmp>/enact-bench-ui-<count>-v2`; delete it to regenerate). Written
 * through `FileReceiptStore.write` (write-ahead log, file, journal) with pre-built receipts, not
 * through `run()`: 100,000 full runs would take minutes and measure nothing this section is about.
 */
async function cachedStore(count: number): Promise<string> {
  const directory = join(tmpdir(), `enact-bench-ui-${count}-v2`);
  if (existsSync(join(directory, ".complete"))) return directory;
  await mkdir(directory, { recursive: true });
  const store = new FileReceiptStore(directory);
  store.attachJournal(JournalKey.fromSecret(SECRET));
  const signer = new ReceiptSigner(SECRET);
  const end = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < count) {
        const index = next++;
        const blocked = index % 7 === 0;
        const decision: Decision = blocked ? "BLOCK" : "PASS";
        const receipt = buildReceipt({
          workflow: WORKFLOWS[index % WORKFLOWS.length] as string,
          actorEmail: ACTORS[index % ACTORS.length] as string,
          payload: { table: "leads", data: { email: `lead${index}@acme.com`, dealValue: index % 50_000 } },
          policyResults: [
            { policy: "require_email", passed: true, reason: "Email present" },
            { policy: index % 3 === 0 ? "max_deal_value" : "business_domain", passed: !blocked, reason: blocked ? "Over the limit" : "ok" },
          ],
          decision,
          actionsTaken: blocked ? [] : [{ action: "insert_row", system: "postgres", success: true, output: { id: index } }],
        });
        const stamped = end - Math.floor(((count - index) / count) * 30 * 86_400_000);
        receipt.timestamp = new Date(stamped).toISOString();
        await store.write(signer.sign(receipt));
        // As if written when it ran, as a store that grew over 30 days is: its file a few ms after its stamp.
        const written = new Date(stamped + 5);
        await utimes(receiptFilePath(directory, receipt.runId), written, written);
      }
    }),
  );
  await store.flush();
  await writeFile(join(directory, ".complete"), "");
  return directory;
}
