import type { SingleBar } from "cli-progress";
import type { AuditReport, JournalAnchor, ReceiptFinding } from "../journal/audit.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { clean, colorsFor, safeJson, writeLines } from "./output.js";
import type { AuditableStore, Parallelism, StoreCommand } from "./store.js";
import { secretLooksWrong, WRONG_SECRET_HINT } from "./wrong-secret.js";

/** A progress bar is worth its noise only on stores this large. */
const PROGRESS_THRESHOLD = 500;

/** Options of `enact-sdk verify`. */
export interface VerifyOptions {
  json?: boolean;
  anchor?: string;
  threads?: string;
}

/** More threads than this is a typo, not a machine. */
const MAX_THREADS = 256;

/**
 * `enact-sdk verify [dir]`: checks every receipt's signature and the journal's chain, prints each
 * bad receipt and what is wrong, then the counts. Exit 0 only when all is well; 1 when anything
 * was tampered with (invalid, missing, injected, journal broken); 5 when the only problem is
 * receipts that cannot be read.
 */
export function verifyCommand(options: VerifyOptions, workerUrl?: URL): StoreCommand {
  const anchor = options.anchor === undefined ? undefined : parseAnchor(options.anchor);
  const threads = options.threads === undefined ? undefined : parseThreads(options.threads);
  if (threads !== undefined && threads > 1 && workerUrl === undefined) {
    const c = colorsFor(process.stderr);
    process.stderr.write(c.yellow("warning: --threads has no effect here (the CLI is not running from its built file); checking in one thread\n"));
  }
  const parallel: Parallelism = { ...(workerUrl === undefined ? {} : { workerUrl }), ...(threads === undefined ? {} : { threads }) };
  return (store) => verify(store, anchor, parallel, options.json === true);
}

async function verify(store: AuditableStore, anchor: JournalAnchor | undefined, parallel: Parallelism, json: boolean): Promise<ExitCode> {
  const bar = await progressBar();
  let report: AuditReport;
  try {
    report = await store.audit({
      ...parallel,
      ...(anchor === undefined ? {} : { anchor }),
      onProgress: (done, total) => bar?.update(done, total),
    });
  } finally {
    bar?.stop();
  }
  const code = exitCodeOf(report);
  if (json) {
    process.stdout.write(`${safeJson({ store: store.label, exitCode: code, ...report, secretLikelyWrong: secretLooksWrong(report) })}\n`);
  } else {
    writeLines(process.stdout, render(store.label, report));
  }
  return code;
}

function exitCodeOf(report: AuditReport): ExitCode {
  if (report.ok) return ExitCode.ok;
  const { invalid, missing, unreadable } = report.counts;
  if (invalid > 0 || missing > 0 || report.journal.problems.length > 0) return ExitCode.verificationFailed;
  if (unreadable > 0) return ExitCode.unreadable;
  return ExitCode.interrupted;
}

function render(label: string, report: AuditReport): string[] {
  const c = colorsFor(process.stdout);
  const tag: Record<ReceiptFinding["status"], string> = {
    invalid: c.red("INVALID   "),
    missing: c.red("MISSING   "),
    unreadable: c.yellow("UNREADABLE"),
    interrupted: c.yellow("INTERRUPTED"),
    unverifiable: c.yellow("UNCHECKED "),
  };
  const lines = [`Verifying receipts in ${clean(label)}`];
  for (const finding of report.findings) {
    lines.push(`  ${tag[finding.status]} ${finding.runId}  ${clean(finding.problems.join("; "))}`);
  }
  for (const problem of report.journal.problems) lines.push(`  ${c.red("JOURNAL   ")} ${clean(problem)}`);
  if (report.findings.length > 0 || report.journal.problems.length > 0) lines.push("");

  const { receipts, valid, invalid, missing, unreadable, interrupted, unsealed } = report.counts;
  const count = (n: number, word: string, bad: (text: string) => string): string => (n > 0 ? bad(`${n} ${word}`) : `${n} ${word}`);
  lines.push(
    `Receipts: ${c.green(`${valid} valid`)}, ${count(invalid, "invalid", c.red)}, ${count(missing, "missing", c.red)}, ` +
      `${count(unreadable, "unreadable", c.yellow)}${interrupted > 0 ? `, ${c.yellow(`${interrupted} interrupted`)}` : ""} (${receipts} in all)`,
  );
  const unverifiable = report.counts.unverifiable ?? 0;
  if (unverifiable > 0) {
    lines.push(`          ${c.yellow(`${unverifiable} HMAC receipt(s) not checked`)}: only the holder of ENACT_SECRET can check them (set it to check them too).`);
  }
  if (unsealed > 0) {
    lines.push(`          ${unsealed} of the valid receipts are vouched for by a write-ahead log, not yet chained (their writer stopped first); \`enact-sdk settle\` chains them.`);
  }
  const journal = report.journal;
  const state = journal.problems.length === 0 ? "chain intact" : c.red(`${journal.problems.length} problem(s)`);
  lines.push(`Journal:  ${journal.entries} entries, ${state}, head ${journal.head.seq}:${journal.head.mac}`);
  lines.push(
    report.ok
      ? unverifiable > 0
        ? c.green(`OK: every receipt checked is valid and the journal is intact (${unverifiable} HMAC receipt(s) not checked).`)
        : c.green("OK: every receipt is valid and the journal is intact.")
      : exitCodeOf(report) === ExitCode.interrupted
        ? c.yellow(c.bold("INTERRUPTED: nothing was tampered with, but writes were cut short by a stopped process; run `enact-sdk settle` to store and chain them."))
        : c.red(c.bold("FAILED: see above.")),
  );
  if (secretLooksWrong(report)) lines.push(c.yellow(`hint: ${WRONG_SECRET_HINT}`));
  return lines;
}

/** `--anchor 41:9f…` — a head recorded earlier (seq and MAC) that the journal must still contain. */
function parseAnchor(text: string): JournalAnchor {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (match === null) throw new CliError(ExitCode.usage, `--anchor must be <seq>:<64 hex MAC> as printed by verify, got ${JSON.stringify(text)}`);
  return { seq: Number(match[1]), mac: match[2] as string };
}

/** `--threads 4`: a whole number from 1 to MAX_THREADS. */
function parseThreads(text: string): number {
  const threads = /^\d{1,4}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(threads >= 1 && threads <= MAX_THREADS)) throw new CliError(ExitCode.usage, `--threads must be a whole number from 1 to ${MAX_THREADS}, got ${JSON.stringify(text)}`);
  return threads;
}

// On stderr, and only on a terminal: piped output and CI logs stay clean (and do not load cli-progress).
async function progressBar(): Promise<{ update(done: number, total: number): void; stop(): void } | undefined> {
  if (process.stderr.isTTY !== true) return undefined;
  const { SingleBar } = await import("cli-progress");
  let bar: SingleBar | undefined;
  return {
    update(done, total) {
      if (total < PROGRESS_THRESHOLD) return;
      if (bar === undefined) {
        bar = new SingleBar({
          stream: process.stderr,
          format: "verifying [{bar}] {percentage}% | {value}/{total} receipts",
          clearOnComplete: true,
          hideCursor: true,
          noTTYOutput: false,
        });
        bar.start(total, done);
      } else {
        bar.update(done);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
