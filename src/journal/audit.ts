import { DuplicateJsonKeyError, parseStrictJson } from "../strict-json.js";
import { EMPTY_HEAD, GENESIS, openEntry, openWrittenLine, type JournalEntry, type JournalHead } from "./entry.js";
import type { JournalKey } from "./key.js";

/**
 * What checks receipt signatures in an audit: a `ReceiptSigner` (the HMAC secret), or a
 * `ReceiptVerification` (Ed25519 public keys, perhaps with the secret), which can also say that a
 * receipt is beyond it (an HMAC receipt when no secret was given).
 */
export interface ReceiptVerifier {
  verifyParsed(receipt: unknown): boolean;
  unverifiable?(receipt: unknown): string | undefined;
}

/** One journal entry as read from a store, before it is checked. */
export interface RawJournalEntry {
  /** Where it was read, for messages: `journal/000000000003.jsonl line 2`, `journal row 17`. */
  where: string;
  /** The parsed JSON, when it could be parsed. */
  value?: unknown;
  /** The JSON text, when it was read but not parsed (a line of a journal file). */
  line?: string;
  /** Why it could not be read, when it could not. */
  error?: string;
}

/** One stored receipt as read from a store, before it is checked. */
export interface StoredReceipt {
  /** The run id the store files it under (file name, primary key). */
  runId: string;
  /** Where it was read, for messages. */
  where: string;
  /** The parsed JSON, as `JSON.parse` returned it (plain data), when it could be read and parsed. */
  value?: unknown;
  /** Why it could not be read or parsed, when it could not. */
  error?: string;
}

/**
 * What is wrong with one receipt. `interrupted`: a write the process never finished (its receipt
 * is in a write-ahead log but not stored): not tampering, and `settle` stores it. `unverifiable`:
 * an HMAC receipt audited with public keys only (no secret): neither valid nor shown forged.
 */
export interface ReceiptFinding {
  runId: string;
  where: string;
  status: "invalid" | "missing" | "unreadable" | "interrupted" | "unverifiable";
  problems: string[];
}

/**
 * Receipts recorded in write-ahead logs (file store): each vouches for its receipt until the
 * journal chains its entry, and one without a stored receipt is an interrupted write.
 */
export interface WriteAheadIndex {
  /** Signatures recorded for each run id, with where the first was read. */
  records: ReadonlyMap<string, { where: string; signatures: ReadonlySet<string> }>;
  /** Run ids a log says were chained: one missing from the journal was cut from it. */
  sealed: ReadonlySet<string>;
  /** Damage to the logs (tampering), as journal problems. */
  problems: readonly string[];
  /** Interrupted writes that name no run (a line cut short). */
  interrupted: readonly ReceiptFinding[];
  /** True when the receipt of `runId` is still not stored (it may have been written since the listing). */
  stillAbsent(runId: string): boolean;
  /** Reads the receipt of `runId` again: one that was still being written may be complete now. */
  reread(runId: string): StoredReceipt;
}

/** The result of checking the journal's chain. */
export interface JournalCheck {
  /** Number of entries read (authentic or not; unreadable files and lines not counted). */
  entries: number;
  /** The last authentic entry: record it elsewhere to detect a truncated tail later. */
  head: JournalHead;
  problems: string[];
}

/** The outcome of auditing a whole store. */
export interface AuditReport {
  /** True only when every receipt is valid, none is missing, and the journal is intact. */
  ok: boolean;
  /**
   * `unsealed`: valid receipts vouched for by a write-ahead log only, not yet chained into the
   * journal (their writer stopped first; `settle` chains them). `interrupted`: writes never finished.
   */
  counts: { receipts: number; valid: number; invalid: number; missing: number; unreadable: number; interrupted: number; unsealed: number; unverifiable?: number };
  /** Every receipt that is not valid, in journal order, then the rest by run id. */
  findings: ReceiptFinding[];
  journal: JournalCheck;
}

/** An externally recorded journal position (`seq` and its `mac`) the journal must still contain. */
export type JournalAnchor = JournalHead;

/** An authentic journal entry and where it was read. */
type LocatedEntry = JournalEntry & { where: string };

/**
 * Checks the journal: every entry must be authentic (its MAC), the entries must be numbered
 * 0, 1, 2, … without gaps or repeats, each linked to the one before (`prev`), and stored in that
 * order. Problems are collected, not thrown, each reported once.
 */
export function walkJournal(
  key: JournalKey,
  raw: Iterable<RawJournalEntry>,
  anchor?: JournalAnchor,
): { check: JournalCheck; byRunId: Map<string, JournalEntry & { where: string }> } {
  const problems: string[] = [];
  const authentic: LocatedEntry[] = [];
  let count = 0;
  for (const item of raw) {
    const entry = item.error === undefined ? openItem(key, item) : undefined;
    if (entry === undefined) {
      problems.push(`${item.where} ${item.error ?? "is not valid JSON"}`);
      continue;
    }
    count += 1;
    if (typeof entry === "string") problems.push(`${item.where} ${entry}`);
    else authentic.push({ v: entry.v, seq: entry.seq, runId: entry.runId, signature: entry.signature, prev: entry.prev, mac: entry.mac, where: item.where });
  }

  // Stored order: each entry must come after the one stored before it.
  for (let index = 1; index < authentic.length; index += 1) {
    const before = authentic[index - 1] as LocatedEntry;
    const entry = authentic[index] as LocatedEntry;
    if (entry.seq < before.seq) {
      problems.push(`${entry.where}: entry ${entry.seq} is out of order (stored after entry ${before.seq})`);
    }
  }

  // Numbering and links, in seq order.
  const bySeq = new Map<number, LocatedEntry>();
  for (const entry of authentic) {
    const earlier = bySeq.get(entry.seq);
    if (earlier === undefined) bySeq.set(entry.seq, entry);
    else problems.push(`${entry.where}: entry ${entry.seq} appears again (first at ${earlier.where})`);
  }
  // Seqs are safe integers, exact as doubles: a typed array sorts them numerically without a comparator.
  let headSeq = EMPTY_HEAD.seq;
  let headMac = EMPTY_HEAD.mac;
  for (const seq of Float64Array.from(bySeq.keys()).sort()) {
    const entry = bySeq.get(seq) as LocatedEntry;
    if (seq > headSeq + 1) {
      const first = headSeq + 1;
      const last = seq - 1;
      problems.push(`entr${first === last ? `y ${first} is` : `ies ${first}–${last} are`} missing from the journal (before ${entry.where})`);
    } else if (entry.prev !== headMac) {
      problems.push(`${entry.where}: entry ${seq} is not linked to entry ${headSeq}${entry.prev === GENESIS ? " (it claims to be the first)" : ""}`);
    }
    headSeq = seq;
    headMac = entry.mac;
  }
  const head: JournalHead = { seq: headSeq, mac: headMac };

  const byRunId = new Map<string, LocatedEntry>();
  for (const entry of bySeq.values()) {
    const earlier = byRunId.get(entry.runId);
    if (earlier === undefined) byRunId.set(entry.runId, entry);
    // The same receipt chained twice is what a `settle` racing the receipt's own writer does; only
    // a key holder can chain an entry, so this is never an attacker's doing. Another receipt is.
    else if (earlier.signature !== entry.signature) problems.push(`${entry.where} records run ${entry.runId} again (first at ${earlier.where})`);
  }

  if (anchor !== undefined) {
    const anchored = bySeq.get(anchor.seq);
    if (anchored === undefined) {
      problems.push(`the anchored entry ${anchor.seq} is not in the journal (its tail was cut, or the journal was replaced)`);
    } else if (anchored.mac !== anchor.mac) {
      problems.push(`${anchored.where}: entry ${anchor.seq} is not the anchored one (the journal was replaced)`);
    }
  }
  return { check: { entries: count, head, problems }, byRunId };
}

/**
 * `openEntry` of an entry as read; undefined when it is a line that is not JSON (no entry at all).
 * A line as the journal writes it is opened without JSON.parse; any other line is parsed first.
 */
export function openItem(key: JournalKey, item: RawJournalEntry): JournalEntry | string | undefined {
  if (item.line === undefined) return openEntry(key, item.value);
  const written = openWrittenLine(key, item.line);
  if (written !== undefined) return written;
  let value: unknown;
  try {
    value = parseStrictJson(item.line);
  } catch (error) {
    return error instanceof DuplicateJsonKeyError ? error.message : undefined;
  }
  return openEntry(key, value);
}

/**
 * Checks receipts against the journal, one at a time so a large store need not be held in memory.
 * Feed every stored receipt to `check()`, then call `finish()`.
 */
export class ReceiptAuditor {
  readonly #signer: ReceiptVerifier;
  readonly #journal: ReturnType<typeof walkJournal>;
  readonly #seen = new Set<string>();
  readonly #findings: ReceiptFinding[] = [];
  #valid = 0;
  #unsealed = 0;
  readonly #cut: string[] = [];
  readonly #incomplete: ReceiptExamination[] = [];
  /** Distinct run ids recorded that the journal has: all of them means none is missing. */
  #journaled = 0;
  readonly #writeAhead: WriteAheadIndex | undefined;

  constructor(signer: ReceiptVerifier, journal: ReturnType<typeof walkJournal>, writeAhead?: WriteAheadIndex) {
    this.#signer = signer;
    this.#journal = journal;
    this.#writeAhead = writeAhead;
  }

  /** Checks one stored receipt; returns its finding, or undefined when it is valid. */
  check(stored: StoredReceipt): ReceiptFinding | undefined {
    return this.record(examineReceipt(this.#signer, stored));
  }

  /**
   * Checks one receipt already examined by `examineReceipt` (perhaps in a worker thread) against
   * the journal; returns its finding, or undefined when it is valid. `check(stored)` is
   * `record(examineReceipt(signer, stored))`.
   */
  record(examined: ReceiptExamination): ReceiptFinding | undefined {
    const seen = this.#seen.size;
    this.#seen.add(examined.runId);
    if (examined.unreadable !== undefined && this.#beingWritten(examined.runId)) {
      // Logged ahead and not chained: a write in progress, or cut short. Looked at again at the end.
      this.#incomplete.push(examined);
      return undefined;
    }
    const entry = this.#journal.byRunId.get(examined.runId);
    if (entry !== undefined && this.#seen.size > seen) this.#journaled += 1;
    const finding = this.#inspect(examined, entry);
    if (finding === undefined) this.#valid += 1;
    else this.#findings.push(finding);
    return finding;
  }

  /** The report, once every stored receipt has been checked. */
  finish(): AuditReport {
    const writeAhead = this.#writeAhead;
    for (const first of this.#incomplete.splice(0)) {
      const again = writeAhead === undefined ? first : examineReceipt(this.#signer, writeAhead.reread(first.runId));
      if (again.unreadable === undefined) {
        this.#seen.delete(again.runId);
        this.record(again);
        continue;
      }
      this.#findings.push({
        runId: first.runId,
        where: first.where,
        status: "interrupted",
        problems: [
          `interrupted write: the process stopped while writing this receipt (${again.unreadable}); it is whole in ` +
            `${writeAhead?.records.get(first.runId)?.where ?? "the write-ahead log"}: run \`enact-sdk settle\` to rewrite it`,
        ],
      });
    }
    if (writeAhead !== undefined) {
      this.#findings.push(...writeAhead.interrupted);
      for (const [runId, { where }] of writeAhead.records) {
        if (this.#journal.byRunId.has(runId)) continue;
        if (writeAhead.sealed.has(runId)) {
          this.#cut.push(`run ${runId} was chained (${where} says so) but its entry is not in the journal (its tail was cut, or it was replaced)`);
          continue;
        }
        if (this.#seen.has(runId) || !writeAhead.stillAbsent(runId)) continue;
        this.#findings.push({
          runId,
          where,
          status: "interrupted",
          problems: [`interrupted write: the process stopped before storing this receipt (it is in ${where}); run \`enact-sdk settle\` to store it`],
        });
      }
    }
    if (this.#journaled < this.#journal.byRunId.size) {
      for (const { runId, where } of this.#journal.byRunId.values()) {
        if (!this.#seen.has(runId)) {
          this.#findings.push({ runId, where, status: "missing", problems: [`recorded in ${where} but not in the store (deleted)`] });
        }
      }
    }
    const byRunId = this.#journal.byRunId;
    const rank = (finding: ReceiptFinding): number => byRunId.get(finding.runId)?.seq ?? Number.MAX_SAFE_INTEGER;
    const findings = this.#findings.sort((a, b) => rank(a) - rank(b) || a.runId.localeCompare(b.runId));
    const count = (status: ReceiptFinding["status"]): number => findings.filter((f) => f.status === status).length;
    const unverifiable = count("unverifiable");
    const counts = {
      receipts: this.#seen.size + count("missing"),
      valid: this.#valid,
      invalid: count("invalid"),
      missing: count("missing"),
      unreadable: count("unreadable"),
      interrupted: count("interrupted"),
      unsealed: this.#unsealed,
      // Only in public-key audits that met HMAC receipts: reports of secret audits stay as they were.
      ...(unverifiable > 0 ? { unverifiable } : {}),
    };
    const check = this.#journal.check;
    const extra = [...(writeAhead?.problems ?? []), ...this.#cut];
    const journal = extra.length === 0 ? check : { ...check, problems: [...check.problems, ...extra] };
    // An unverifiable receipt is reported, not failed: it is a limit of the auditor's keys.
    const failing = findings.length - unverifiable;
    return { ok: failing === 0 && journal.problems.length === 0, counts, findings, journal };
  }

  /** A receipt logged ahead of its write whose entry is not chained: its file may be incomplete. */
  #beingWritten(runId: string): boolean {
    const writeAhead = this.#writeAhead;
    return writeAhead !== undefined && writeAhead.records.has(runId) && !writeAhead.sealed.has(runId) && !this.#journal.byRunId.has(runId);
  }

  #inspect(examined: ReceiptExamination, entry: LocatedEntry | undefined): ReceiptFinding | undefined {
    // The usual case, first and without allocating: signed, holding its own run, as journaled.
    if (examined.signed && examined.heldRunId === undefined && entry !== undefined && entry.signature === examined.signature) return undefined;
    const finding = (status: ReceiptFinding["status"], problems: string[]): ReceiptFinding => ({
      runId: examined.runId,
      where: examined.where,
      status,
      problems,
    });
    if (examined.unreadable !== undefined) return finding("unreadable", [examined.unreadable]);
    if (examined.unverifiable !== undefined && examined.heldRunId === undefined && entry !== undefined && entry.signature === examined.signature) {
      return finding("unverifiable", [examined.unverifiable]);
    }
    const problems: string[] = [];
    if (!examined.signed) problems.push(examined.unverifiable ?? "signature invalid (edited, forged, or signed with another secret)");
    if (examined.heldRunId !== undefined) problems.push(`holds run ${examined.heldRunId}, not ${examined.runId} (moved or swapped)`);
    if (entry === undefined) {
      const writeAhead = this.#writeAhead;
      if (
        examined.signed &&
        examined.heldRunId === undefined &&
        writeAhead !== undefined &&
        !writeAhead.sealed.has(examined.runId) &&
        writeAhead.records.get(examined.runId)?.signatures.has(examined.signature as string) === true
      ) {
        // Recorded ahead of its write; its writer stopped before chaining it.
        this.#unsealed += 1;
        return undefined;
      }
      problems.push("not in the journal (injected, or written without the journal)");
    } else if (examined.signed && entry.signature !== examined.signature) {
      problems.push(`is not the receipt the journal recorded at entry ${entry.seq} (replaced by another signed receipt)`);
    }
    return problems.length === 0 ? undefined : finding("invalid", problems);
  }
}

/**
 * What one stored receipt says about itself, before the journal is consulted: whether it could be
 * read, whether its signature is valid, and whether it holds the run it is filed under. Plain
 * data, so receipts can be examined in worker threads and checked against the journal in the main one.
 */
export interface ReceiptExamination {
  /** The run id the store files it under. */
  runId: string;
  /** Where it was read, for messages. */
  where: string;
  /** Why it cannot be read: not read, not JSON, not a JSON object. The other fields are then meaningless. */
  unreadable?: string;
  /** True when its signature is valid under the audit's secret. */
  signed: boolean;
  /** The signature it carries, when `signed`: what the journal must have recorded. */
  signature?: string;
  /** Its own `runId` as JSON, when that is not the run id it is filed under. */
  heldRunId?: string;
  /** Why the audit's keys cannot judge its signature (see `ReceiptVerifier.unverifiable`). */
  unverifiable?: string;
}

/** Examines one stored receipt (see `ReceiptExamination`). Never throws. */
export function examineReceipt(signer: ReceiptVerifier, stored: StoredReceipt): ReceiptExamination {
  const { runId, where } = stored;
  if (stored.error !== undefined) return { runId, where, unreadable: stored.error, signed: false };
  const receipt = stored.value;
  if (typeof receipt !== "object" || receipt === null || Array.isArray(receipt)) {
    return { runId, where, unreadable: "is not a JSON object", signed: false };
  }
  const { runId: held, signature } = receipt as { runId?: unknown; signature?: unknown };
  const examined: ReceiptExamination = { runId, where, signed: signer.verifyParsed(receipt) };
  // A valid signature is 64 hex digits, so `signature` is a string whenever `signed` is true.
  if (examined.signed) examined.signature = signature as string;
  else {
    const beyond = signer.unverifiable?.(receipt);
    if (beyond !== undefined) {
      examined.unverifiable = beyond;
      // Still matched against its journal entry: a replaced or unjournaled receipt is reported as such.
      if (typeof signature === "string") examined.signature = signature;
    }
  }
  // JSON.stringify(undefined) is undefined: the template makes it the word, as before.
  if (held !== runId) examined.heldRunId = `${JSON.stringify(held)}`;
  return examined;
}
