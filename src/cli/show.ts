import type { Receipt } from "../models.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { brief, clean, colorsFor, compactJson, safeJson, writeLines, type Colors } from "./output.js";
import { asReceipt, decisionLabel } from "./receipt-view.js";
import { auditKeysFor, signerFor, type AuditableStore, type StoreCommand } from "./store.js";
import type { KeyObject } from "node:crypto";
import { noJournalMacChecks, WRONG_SECRET_HINT } from "./wrong-secret.js";

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The start of a run id, as people copy it from `list`: hex digits and dashes. */
const RUN_ID_PREFIX = /^[0-9a-f][0-9a-f-]{0,35}$/;

/** Candidates named when a prefix is ambiguous. */
const MAX_CANDIDATES = 10;

/** Options of `enact-sdk show`. */
export interface ShowOptions {
  json?: boolean;
}

/** Where the receipt stands in the journal. */
interface JournalStatus {
  recorded: boolean;
  /** The journal's entry for this run, when there is an authentic one. */
  seq?: number;
  /** True when the stored receipt is the one the journal recorded. */
  matches: boolean;
  /** Problems of the journal as a whole (not necessarily about this receipt). */
  journalProblems: number;
  /** Where the write-ahead log vouches for it, when its entry is not chained yet. */
  loggedAhead?: string;
}

/**
 * `enact-sdk show <runId>`: one receipt in words: who asked, what, the decision and why (each
 * policy), what changed (each action), any error, and whether the signature and journal vouch
 * for it. Exit 0 when they do, 1 when they do not, 6 when there is no such receipt, 5 when it
 * cannot be read.
 */
export function showCommand(runId: string, options: ShowOptions): StoreCommand {
  const id = runId.trim().toLowerCase();
  if (!RUN_ID_PREFIX.test(id)) {
    throw new CliError(ExitCode.usage, `${JSON.stringify(runId)} is not a run id or its start (a UUID such as 0b6f1c52-8d7e-4a39-9f0e-3c2d1b4a5e6f, or 0b6f1c52)`);
  }
  return async (store, secret, keys) => show(store, secret, keys, RUN_ID.test(id) ? id : await uniqueRunId(store, id), options.json === true);
}

/** The one stored run id that starts with `prefix`: exit 6 when none does, a usage error naming them when several do. */
async function uniqueRunId(store: AuditableStore, prefix: string): Promise<string> {
  const matches = await store.runIdsStartingWith(prefix, MAX_CANDIDATES + 1);
  if (matches.length === 0) throw new CliError(ExitCode.notFound, `No receipt whose run id starts with ${prefix} in ${store.label}.`);
  if (matches.length === 1) return matches[0] as string;
  const shown = matches.slice(0, MAX_CANDIDATES).join(", ");
  const more = matches.length > MAX_CANDIDATES ? ", and more" : "";
  throw new CliError(ExitCode.usage, `${prefix} is the start of several run ids (${shown}${more}): give more of it.`);
}

async function show(store: AuditableStore, secret: string, keys: ReadonlyMap<string, KeyObject> | undefined, id: string, json: boolean): Promise<ExitCode> {
  const stored = await store.read(id);
  if (stored === undefined) throw new CliError(ExitCode.notFound, `No receipt for run ${id} in ${store.label}.`);
  if (stored.error !== undefined) throw new CliError(ExitCode.unreadable, `${stored.where} ${stored.error}.`);
  const receipt = asReceipt(stored.value);
  if (typeof receipt === "string") throw new CliError(ExitCode.unreadable, `${stored.where} ${receipt}.`);

  // Issue 25: with --public-key, Ed25519 receipts are checked by key id (HMAC ones with the secret, if set).
  const signatureValid = keys === undefined || keys.size === 0 ? signerFor(secret).verify(stored.value) : auditKeysFor(secret, keys).verifier.verifyParsed(stored.value);
  const { check, byRunId } = await store.journal();
  const entry = byRunId.get(id);
  // A receipt whose writer stopped before chaining it is vouched for by its write-ahead log.
  const loggedAhead = entry === undefined ? await store.loggedAhead?.(id, receipt.signature) : undefined;
  const journal: JournalStatus = {
    recorded: entry !== undefined || loggedAhead !== undefined,
    ...(entry === undefined ? {} : { seq: entry.seq }),
    ...(loggedAhead === undefined ? {} : { loggedAhead }),
    matches: (entry !== undefined && entry.signature === receipt.signature && receipt.runId === id) || (loggedAhead !== undefined && receipt.runId === id),
    journalProblems: check.problems.length,
  };
  const trusted = signatureValid && journal.matches;

  if (json) {
    process.stdout.write(`${safeJson({ receipt, signatureValid, journal })}\n`);
  } else {
    writeLines(process.stdout, render(receipt, signatureValid, journal, colorsFor(process.stdout)));
  }
  if (!signatureValid && noJournalMacChecks(check)) writeLines(process.stderr, [colorsFor(process.stderr).yellow(`hint: ${WRONG_SECRET_HINT}`)]);
  return trusted ? ExitCode.ok : ExitCode.verificationFailed;
}

function render(receipt: Receipt, signatureValid: boolean, journal: JournalStatus, c: Colors): string[] {
  const pass = (ok: boolean, yes: string, no: string): string => (ok ? c.green(yes) : c.red(no));
  const label = (text: string): string => c.dim(text.padEnd(11));
  const lines = [
    c.bold(`Receipt ${receipt.runId}`),
    `  ${label("signature")}${pass(signatureValid, "VALID", "INVALID: this receipt was changed, forged, or signed with another secret")}`,
    `  ${label("journal")}${journalLine(journal, c)}`,
    `  ${label("when")}${clean(receipt.timestamp)}`,
    `  ${label("who")}${clean(receipt.actorEmail)}`,
    `  ${label("what")}${clean(receipt.workflow)}`,
    `  ${label("decision")}${decisionLabel(receipt.decision, c)}`,
  ];
  if (receipt.signatureAlgorithm !== undefined) lines.push(`  ${label("signed by")}${clean(receipt.signatureAlgorithm)} key ${clean(String(receipt.keyId))}`);
  if (receipt.policySet !== undefined) {
    lines.push(`  ${label("policy set")}${clean(receipt.policySet.digest)}${receipt.policySet.version === undefined ? "" : ` (${clean(receipt.policySet.version)})`}`);
  }
  if (receipt.dryRun === true) lines.push(`  ${label("dry run")}${c.yellow("nothing was executed: the decision is what the run would have had")}`);
  if (receipt.rollbackOf !== undefined) lines.push(`  ${label("rolls back")}${clean(receipt.rollbackOf)}`);
  if (receipt.note !== undefined) lines.push(`  ${label("note")}${clean(receipt.note)}`);
  if (receipt.idempotencyKey !== undefined) lines.push(`  ${label("idem. key")}${clean(receipt.idempotencyKey)}`);
  const request = receipt.approvalRequest;
  if (request !== undefined) lines.push(`  ${label("approval")}requested ${clean(String(request.id))}, expires ${clean(String(request.expiresAt))}`);
  const approval = receipt.approval;
  if (approval !== undefined) lines.push(`  ${label("approved")}by ${clean(String(approval.approver))} at ${clean(String(approval.approvedAt))} (request ${clean(String(approval.id))})`);
  lines.push(`  ${label("payload")}${brief(compactJson(receipt.payload), 400)}`);

  lines.push("", c.bold(`Why: ${receipt.policyResults.length} ${receipt.policyResults.length === 1 ? "policy" : "policies"}`));
  if (receipt.policyResults.length === 0) lines.push("  (none)");
  for (const result of receipt.policyResults) {
    lines.push(`  ${result.passed ? c.green("PASS") : c.red("FAIL")}  ${clean(result.policy)}: ${clean(result.reason)}`);
  }

  if (receipt.shadowResults !== undefined) {
    lines.push("", c.bold(`Shadow policies (not part of the decision): ${receipt.shadowResults.length}`));
    for (const result of receipt.shadowResults) {
      lines.push(`  ${result.passed ? c.green("PASS") : c.yellow("WOULD FAIL")}  ${clean(result.policy)}: ${clean(result.reason)}`);
    }
  }

  lines.push("", c.bold(`What changed: ${receipt.actionsTaken.length} ${receipt.actionsTaken.length === 1 ? "action" : "actions"}`));
  if (receipt.actionsTaken.length === 0) lines.push(`  ${c.dim(nothingChanged(receipt))}`);
  for (const action of receipt.actionsTaken) {
    const state = !action.success ? c.red("FAILED") : action.alreadyDone === true ? c.yellow("already done") : c.green("done");
    lines.push(`  ${clean(action.system)}.${clean(action.action)}  ${state}  ${brief(compactJson(action.output), 200)}`);
  }
  if (receipt.error !== undefined) lines.push("", `${c.red(c.bold("Error:"))} ${clean(receipt.error)}`);
  return lines;
}

function journalLine(journal: JournalStatus, c: Colors): string {
  const elsewhere = journal.journalProblems > 0 ? c.yellow(` (the journal has ${journal.journalProblems} problem(s) elsewhere: run verify)`) : "";
  if (!journal.recorded) return c.red("NOT IN THE JOURNAL: injected, or written without the journal") + elsewhere;
  if (journal.loggedAhead !== undefined) {
    return c.green(`recorded in ${clean(journal.loggedAhead)}, not yet chained (its writer stopped first; enact-sdk settle chains it)`) + elsewhere;
  }
  if (!journal.matches) return c.red(`DIFFERS from journal entry ${journal.seq}: replaced by another receipt`) + elsewhere;
  return c.green(`recorded as entry ${journal.seq}`) + elsewhere;
}

/** What a receipt without actions means: the run changed nothing, whatever else went wrong. */
function nothingChanged(receipt: Receipt): string {
  if (receipt.decision === "BLOCK") return "nothing changed: the run was blocked";
  if (receipt.decision === "PENDING_APPROVAL") return "nothing changed: the run waits for a person's approval";
  if (receipt.error !== undefined) return "nothing changed: the run stopped before any action";
  return "nothing changed";
}
