import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildReceipt, FileReceiptStore, signReceipt, type ActionResult, type Decision, type PolicyResult, type Receipt } from "enact-sdk";

/** The secret the test stores are signed with. */
export const CLI_SECRET = "cli-test-secret-0123456789abcdef-0123456789";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI_SOURCE = join(ROOT, "src/cli/main.ts");
// Resolved to an absolute URL: `--import tsx` alone would be looked up from the child's cwd.
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI from its TypeScript source in a child process, with a minimal environment
 * (`ENACT_SECRET` unless overridden; nothing inherited that could switch colour on or off).
 */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return runNode(["--import", TSX, CLI_SOURCE, ...args], options);
}

/** How to run a child: its directory, environment overrides, and a signal that kills it. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /**
   * Kills the child (SIGKILL) when aborted, and the run then resolves with its output so far: for
   * tests of inputs that used to hang it, aborted when the test ends rather than after a fixed time
   * that a slow machine could overrun.
   */
  signal?: AbortSignal;
}

/** The CLI's minimal environment for a child: PATH, `ENACT_SECRET` unless overridden, and `overrides`. */
export function childEnvironment(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  for (const [name, value] of Object.entries({ ENACT_SECRET: CLI_SECRET, ...overrides })) {
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Runs `node` with `args` in a child process with the CLI's minimal environment. */
export function runNode(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? ROOT,
      env: childEnvironment(options.env),
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.signal === undefined ? {} : { signal: options.signal, killSignal: "SIGKILL" as const }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    // An abort is the caller's own doing: 'close' follows and reports the killed child.
    child.on("error", (error) => (options.signal?.aborted === true ? undefined : reject(error)));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh empty directory. */
export function tempDirectory(prefix = "enact-cli-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A signed receipt with harmless defaults; override what the test is about. */
export function makeReceipt(
  overrides: Partial<{
    workflow: string;
    actorEmail: string;
    payload: Record<string, unknown>;
    policyResults: PolicyResult[];
    decision: Decision;
    actionsTaken: ActionResult[];
    error: string;
    note: string;
    rollbackOf: string;
  }> = {},
  secret = CLI_SECRET,
): Receipt {
  const { rollbackOf, ...input } = overrides;
  const built = buildReceipt({
    workflow: "db_safe_insert",
    actorEmail: "agent@company.com",
    payload: { table: "leads" },
    policyResults: [{ policy: "block_ddl", passed: true, reason: "No DDL in payload" }],
    decision: "PASS",
    actionsTaken: [{ action: "insert_row", system: "postgres", success: true, output: { id: "42" } }],
    ...input,
  });
  return signReceipt(rollbackOf === undefined ? built : { ...built, rollbackOf }, secret);
}

/** Writes `count` receipts through a journaled FileReceiptStore, `concurrency` at a time. */
export async function fillStore(directory: string, count: number, concurrency = 250): Promise<Receipt[]> {
  const store = new FileReceiptStore(directory, { secret: CLI_SECRET });
  const receipts: Receipt[] = [];
  for (let start = 0; start < count; start += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - start) }, (_, i) => makeReceipt({ payload: { n: start + i } }));
    await Promise.all(batch.map((receipt) => store.write(receipt)));
    await store.flush();
    receipts.push(...batch);
  }
  return receipts;
}

/** The path of a receipt's file. */
export function fileOf(directory: string, receipt: Pick<Receipt, "runId">): string {
  return join(directory, `${receipt.runId}.json`);
}

/** Rewrites a receipt file with `change` applied to its JSON. */
export async function editReceiptFile(directory: string, receipt: Receipt, change: (json: Record<string, unknown>) => void): Promise<void> {
  const json = JSON.parse(await readFile(fileOf(directory, receipt), "utf8")) as Record<string, unknown>;
  change(json);
  await writeFile(fileOf(directory, receipt), `${JSON.stringify(json, null, 2)}\n`);
}

/** The journal's segment files, in order. */
export async function segments(directory: string): Promise<string[]> {
  return (await readdir(join(directory, "journal"))).filter((name) => name.endsWith(".jsonl")).sort().map((name) => join(directory, "journal", name));
}
