import { canonicalJson } from "../receipt.js";
import type { JournalKey } from "./key.js";

/** The `prev` of the first entry: a journal starts from nothing. */
export const GENESIS = "0".repeat(64);

/** Format version of journal entries. */
export const JOURNAL_VERSION = 1 as const;

/**
 * One line of the journal: receipt `runId`, whose `signature` was this, was stored as the
 * `seq`-th receipt (from 0) after the entry whose MAC is `prev`. `mac` is HMAC-SHA256, under the
 * journal key, of the RFC 8785 form of the other fields, so entries cannot be forged, edited,
 * re-chained or renumbered without the secret.
 *
 * The receipt's own signature (an HMAC over every field of the receipt) is its digest here: a
 * receipt edited or replaced by another validly signed receipt no longer matches its entry.
 */
export interface JournalEntry {
  v: typeof JOURNAL_VERSION;
  seq: number;
  runId: string;
  signature: string;
  prev: string;
  mac: string;
}

/** Where the journal ends: the last entry's `seq` and `mac` (`seq: -1`, `mac: GENESIS` when empty). */
export interface JournalHead {
  seq: number;
  mac: string;
}

/** The empty journal's head. */
export const EMPTY_HEAD: JournalHead = Object.freeze({ seq: -1, mac: GENESIS });

/** What the store tells the journal about a receipt it has just stored. */
export interface JournalItem {
  runId: string;
  signature: string;
}

/** Chains `items` after `head`, in order, returning the sealed entries. */
export function chainEntries(key: JournalKey, head: JournalHead, items: readonly JournalItem[]): JournalEntry[] {
  return chainLines(key, head, items).entries;
}

/**
 * `chainEntries`, and the entries' lines as `entryLine` writes them, joined. Each string field is
 * quoted once for both the sealed text and the line: a journal chains one entry per receipt
 * written, on the thread that runs the receipts.
 */
export function chainLines(key: JournalKey, head: JournalHead, items: readonly JournalItem[]): { entries: JournalEntry[]; text: string } {
  const entries: JournalEntry[] = [];
  let text = "";
  let seq = head.seq;
  let prev = head.mac;
  for (const { runId, signature } of items) {
    seq += 1;
    const quotedRunId = JSON.stringify(runId);
    const quotedSignature = JSON.stringify(signature);
    const quotedPrev = JSON.stringify(prev);
    const sealed = isPlainFields(runId, signature, prev)
      ? sealedFromQuoted(quotedPrev, quotedRunId, seq, quotedSignature)
      : canonicalJson({ v: JOURNAL_VERSION, seq, runId, signature, prev });
    const mac = key.mac(sealed);
    entries.push({ v: JOURNAL_VERSION, seq, runId, signature, prev, mac });
    text += `{"v":${JOURNAL_VERSION},"seq":${seq},"runId":${quotedRunId},"signature":${quotedSignature},"prev":${quotedPrev},"mac":"${mac}"}\n`;
    prev = mac;
  }
  return { entries, text };
}

/** The entry as one JSON line (with its trailing newline). */
export function entryLine(entry: JournalEntry): string {
  const { v, seq, runId, signature, prev, mac } = entry;
  return `${JSON.stringify({ v, seq, runId, signature, prev, mac })}\n`;
}

/**
 * Reads one stored entry. Returns the entry when it is well formed and its MAC is right under
 * `key`; otherwise a sentence saying what is wrong. The MAC covers exactly the known fields, so
 * an entry with extra or missing fields is rejected too.
 */
export function openEntry(key: JournalKey, raw: unknown): JournalEntry | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "is not a JSON object";
  const record = raw as Record<string, unknown>;
  const names = Object.keys(record);
  // Own keys are distinct: six of them, each one of the six fields, is exactly the six fields.
  if (names.length !== ENTRY_FIELDS.size || !names.every((name) => ENTRY_FIELDS.has(name))) {
    return `has unexpected fields (${names.join(", ")})`;
  }
  const { v, seq, runId, signature, prev, mac } = record;
  if (v !== JOURNAL_VERSION) return `has unknown version ${JSON.stringify(v)}`;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) return "has a malformed seq";
  if (typeof runId !== "string" || typeof signature !== "string" || typeof prev !== "string") return "has malformed fields";
  let sealed: string;
  try {
    sealed = sealedText({ v, seq, runId, signature, prev });
  } catch {
    // No canonical form (a lone surrogate, say): no writer of ours produced it.
    return "has malformed fields";
  }
  if (!key.verify(sealed, mac)) return WRONG_MAC;
  return { v, seq, runId, signature, prev, mac: mac as string };
}

const WRONG_MAC = "has a wrong MAC (edited, forged, or sealed with another secret)";

const ENTRY_FIELDS: ReadonlySet<string> = new Set(["v", "seq", "runId", "signature", "prev", "mac"]);

// A string JSON.stringify writes as itself between quotes: no quote, backslash or control
// character to escape, and no surrogate (a lone one has no canonical form; a pair just takes the slow path).
const PLAIN = String.raw`"([^"\\\u0000-\u001f\ud800-\udfff]*)"`;

/**
 * A line exactly as `entryLine` writes it: the six fields in its order, `v` 1, `seq` a safe
 * integer written as JSON writes it (at most 15 digits, no leading zero), plain strings.
 */
const WRITTEN_LINE = new RegExp(`^\\{"v":1,"seq":(0|[1-9][0-9]{0,14}),"runId":${PLAIN},"signature":${PLAIN},"prev":${PLAIN},"mac":${PLAIN}\\}$`);

/**
 * Reads one journal line as `entryLine` writes it, without JSON.parse: the sealed text is spliced
 * from the line, since each field is written exactly as `sealedText` writes it. Returns what
 * `openEntry(key, JSON.parse(line))` returns, or undefined when the line is not in that exact form
 * (another writer, extra spaces, escapes, tampering): read it with JSON.parse and `openEntry` then.
 */
export function openWrittenLine(key: JournalKey, line: string): JournalEntry | string | undefined {
  const match = WRITTEN_LINE.exec(line);
  if (match === null) return undefined;
  const [, seq, runId, signature, prev, mac] = match as unknown as [string, string, string, string, string, string];
  if (!key.verify(`{"prev":"${prev}","runId":"${runId}","seq":${seq},"signature":"${signature}","v":1}`, mac)) return WRONG_MAC;
  return { v: JOURNAL_VERSION, seq: Number(seq), runId, signature, prev, mac };
}

type WellFormedString = string & { isWellFormed(): boolean };

/**
 * What an entry's MAC covers: `canonicalJson` of its fields but the MAC, byte for byte, written
 * out in RFC 8785 key order (prev, runId, seq, signature, v) instead of sorting keys for each of
 * the many entries an audit reads. Strings outside the fast path (lone surrogates) take
 * `canonicalJson`; `seq` is a safe integer, which JSON writes as plain digits.
 */
export function sealedText(fields: Omit<JournalEntry, "mac">): string {
  const { v, seq, runId, signature, prev } = fields;
  if (v === JOURNAL_VERSION && isPlainFields(runId, signature, prev) && Number.isSafeInteger(seq)) {
    return sealedFromQuoted(JSON.stringify(prev), JSON.stringify(runId), seq, JSON.stringify(signature));
  }
  return canonicalJson(fields);
}

/** The sealed text from its strings already written as JSON; `seq` a safe integer. */
function sealedFromQuoted(prev: string, runId: string, seq: number, signature: string): string {
  return `{"prev":${prev},"runId":${runId},"seq":${seq},"signature":${signature},"v":${JOURNAL_VERSION}}`;
}

/** True when the three strings are well formed, so JSON writes them as RFC 8785 does. */
function isPlainFields(runId: string, signature: string, prev: string): boolean {
  return (
    (runId as WellFormedString).isWellFormed() &&
    (signature as WellFormedString).isWellFormed() &&
    (prev as WellFormedString).isWellFormed()
  );
}
