import Table from "cli-table3";
import { matchesFilter, type ReceiptFilter } from "../stores/receipt-store.js";
import { Decision, type Receipt } from "../models.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { brief, clean, colorsFor, safeJson, writeLines } from "./output.js";
import { actionSummary, asReceipt, decisionLabel, shortTime } from "./receipt-view.js";
import { auditKeysFor, signerFor, type AuditableStore, type StoreCommand } from "./store.js";
import type { KeyObject } from "node:crypto";
import { NO_VALID_SIGNATURE_HINT } from "./wrong-secret.js";

/** Options of `enact-sdk list`. */
export interface ListOptions {
  workflow?: string;
  actor?: string;
  decision?: string;
  since?: string;
  until?: string;
  policySet?: string;
  /** Only the newest this many receipts (after the filters), still printed oldest first. */
  limit?: string;
  json?: boolean;
}

interface Row {
  receipt: Receipt;
  signatureValid: boolean;
}

/**
 * `enact-sdk list`: a table of receipts, oldest first, with whether each signature is valid.
 * Receipts that cannot be read are named on stderr and make the exit code 5.
 */
export function listCommand(options: ListOptions): StoreCommand {
  const filter = parseFilter(options);
  const limit = options.limit === undefined ? undefined : parseLimit(options.limit);
  return (store, secret, keys) => list(store, secret, keys, filter, limit, options.json === true);
}

async function list(store: AuditableStore, secret: string, keys: ReadonlyMap<string, KeyObject> | undefined, filter: ReceiptFilter, limit: number | undefined, json: boolean): Promise<ExitCode> {
  const signer = keys === undefined || keys.size === 0 ? signerFor(secret) : auditKeysFor(secret, keys).verifier;
  const rows: Row[] = [];
  const unreadable: { runId: string; where: string; problem: string }[] = [];
  for (const stored of await store.readAll()) {
    const receipt = stored.error === undefined ? asReceipt(stored.value) : stored.error;
    if (typeof receipt === "string") unreadable.push({ runId: stored.runId, where: stored.where, problem: receipt });
    else if (matchesFilter(receipt, filter)) rows.push({ receipt, signatureValid: signer.verifyParsed(stored.value) });
  }
  rows.sort((a, b) => a.receipt.timestamp.localeCompare(b.receipt.timestamp) || a.receipt.runId.localeCompare(b.receipt.runId));
  if (limit !== undefined) rows.splice(0, Math.max(0, rows.length - limit));

  if (json) {
    process.stdout.write(`${safeJson({ receipts: rows.map(toJson), unreadable })}\n`);
  } else {
    writeLines(process.stdout, rows.length === 0 ? ["No receipts match."] : [renderTable(rows)]);
  }
  const err = colorsFor(process.stderr);
  writeLines(process.stderr, unreadable.map((item) => err.yellow(`warning: ${clean(item.where)} ${clean(item.problem)}`)));
  if (rows.length > 0 && rows.every((row) => !row.signatureValid)) writeLines(process.stderr, [err.yellow(`hint: ${NO_VALID_SIGNATURE_HINT}`)]);
  return unreadable.length > 0 ? ExitCode.unreadable : ExitCode.ok;
}

function parseFilter(options: ListOptions): ReceiptFilter {
  const filter: ReceiptFilter = {};
  if (options.workflow !== undefined) filter.workflow = options.workflow;
  if (options.actor !== undefined) filter.actorEmail = options.actor;
  if (options.decision !== undefined) {
    const decision = Decision.safeParse(options.decision.toUpperCase());
    if (!decision.success) {
      throw new CliError(ExitCode.usage, `--decision must be one of ${Decision.options.join(", ")}, got ${JSON.stringify(options.decision)}`);
    }
    filter.decision = decision.data;
  }
  if (options.since !== undefined) filter.since = parseTime("--since", options.since);
  if (options.until !== undefined) filter.until = parseTime("--until", options.until);
  if (options.policySet !== undefined) {
    const digest = options.policySet.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new CliError(ExitCode.usage, `--policy-set must be a policy-set digest (64 hex digits, as in receipt.policySet.digest), got ${JSON.stringify(options.policySet)}`);
    filter.policySetDigest = digest;
  }
  return filter;
}

function parseLimit(text: string): number {
  const limit = Number(text.trim());
  if (!Number.isSafeInteger(limit) || limit < 1 || !/^\s*\d+\s*$/.test(text)) {
    throw new CliError(ExitCode.usage, `--limit must be a whole number of receipts, at least 1, got ${JSON.stringify(text)}`);
  }
  return limit;
}

/** Milliseconds per unit of a relative time: `90s`, `30m`, `1h`, `7d`, `2w`. */
const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(\d{1,9})\s*([smhdw])$/;

/** An ISO-8601 date or time, or a time that long ago (`1h`, `30m`, `7d`) before `now`. */
function parseTime(flag: string, text: string, now = Date.now()): Date {
  const relative = RELATIVE.exec(text.trim().toLowerCase());
  if (relative !== null) return new Date(now - Number(relative[1]) * (UNIT_MS[relative[2] as string] as number));
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new CliError(
      ExitCode.usage,
      `${flag} must be an ISO-8601 date or time (e.g. 2026-11-22 or 2026-11-22T08:00:00Z) or a time ago (30m, 1h, 7d, 2w), got ${JSON.stringify(text)}`,
    );
  }
  return new Date(time);
}

function renderTable(rows: readonly Row[]): string {
  const c = colorsFor(process.stdout);
  // cli-table3 colours headers and borders itself; switch that off and colour with picocolors,
  // which knows whether stdout is a terminal.
  const table = new Table({
    head: ["time", "run id", "workflow", "actor", "decision", "actions", "signature"].map((title) => c.bold(title)),
    style: { head: [], border: [] },
    // One line per receipt, no rule between rows: long listings stay readable.
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  for (const { receipt, signatureValid } of rows) {
    table.push([
      shortTime(receipt.timestamp),
      receipt.runId,
      brief(receipt.workflow, 40),
      brief(receipt.actorEmail, 40),
      decisionLabel(receipt.decision, c),
      actionSummary(receipt),
      signatureValid ? c.green("valid") : c.red("INVALID"),
    ]);
  }
  return table.toString();
}

function toJson({ receipt, signatureValid }: Row): Record<string, unknown> {
  return {
    timestamp: receipt.timestamp,
    runId: receipt.runId,
    workflow: receipt.workflow,
    actorEmail: receipt.actorEmail,
    decision: receipt.decision,
    ...(receipt.policySet === undefined ? {} : { policySet: receipt.policySet }),
    ...(receipt.dryRun === true ? { dryRun: true } : {}),
    actions: receipt.actionsTaken.map(({ system, action, success }) => ({ system, action, success })),
    signatureValid,
  };
}
