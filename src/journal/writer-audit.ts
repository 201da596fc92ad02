import type { JournalAnchor, JournalCheck, walkJournal } from "./audit.js";
import { EMPTY_HEAD, GENESIS, JOURNAL_VERSION, type JournalEntry, type JournalHead } from "./entry.js";
import type { JournalKey } from "./key.js";
import { openSeal, openWriterEntry, type Seal, type WriterEntry } from "./writer-entry.js";

/** One stored row of a writer chain or of the seal chain, before it is checked. */
export interface RawWriterRow {
  /** Where it was read, for messages. */
  where: string;
  /** The row's key: its writer (seal rows: undefined) and seq, as stored. */
  writer?: string;
  seq: string;
  /** The run id of the receipt row the entry is kept in (the single-row layout); else undefined. */
  runId?: string;
  /** The parsed JSON, or undefined when the text was not JSON. */
  value?: unknown;
}

type Walk = ReturnType<typeof walkJournal>;
type Located<T> = T & { where: string };

/**
 * Adds the per-writer chains and the seal chain (journal v2) to the walk of a v1 journal:
 * every writer chain numbered from 0 without gaps, linked and authentic; the seals likewise, each
 * sealed head present in its chain with the sealed MAC and never behind an earlier seal's head
 * for that writer. The head becomes the newest seal's when there are seals (the anchor then
 * refers to a seal, or to a v1 entry when it was recorded before the first seal); else the v1
 * head and the anchor were already checked by `walkJournal`.
 */
export function walkWriterJournal(key: JournalKey, v1: Walk, entryRows: readonly RawWriterRow[], sealRows: readonly RawWriterRow[], anchor?: JournalAnchor): Walk {
  const problems = [...v1.check.problems];
  const byRunId = v1.byRunId;
  // An anchor recorded before the store's first seal (before the upgrade) names a v1 entry.
  const v1Positions = new Set([...byRunId.values()].map((entry) => `${entry.seq}:${entry.mac}`));
  const chains = readChains(key, entryRows, problems);
  for (const [writer, chain] of chains) checkChain(writer, chain, problems);
  for (const chain of chains.values()) {
    for (const entry of chain.values()) index(byRunId, entry, problems);
  }
  let head: JournalHead = v1.check.head;
  if (sealRows.length > 0) {
    head = checkSeals(key, sealRows, chains, problems);
    if (anchor !== undefined && !v1Positions.has(`${anchor.seq}:${anchor.mac}`)) checkAnchor(sealRows, head, anchor, key, problems);
  }
  const entries = v1.check.entries + entryRows.length;
  const check: JournalCheck = { entries, head, problems };
  return { check, byRunId };
}

function readChains(key: JournalKey, rows: readonly RawWriterRow[], problems: string[]): Map<string, Map<number, Located<WriterEntry>>> {
  const chains = new Map<string, Map<number, Located<WriterEntry>>>();
  for (const row of rows) {
    const entry = row.value === undefined ? "is not valid JSON" : openWriterEntry(key, row.value);
    if (typeof entry === "string") {
      problems.push(`${row.where} ${entry}`);
      continue;
    }
    if (entry.writer !== row.writer || String(entry.seq) !== row.seq) {
      problems.push(`${row.where} holds entry ${entry.seq} of writer ${entry.writer} (moved or reordered)`);
      continue;
    }
    if (row.runId !== undefined && entry.runId !== row.runId) {
      problems.push(`${row.where} is in the row of receipt ${row.runId} but records run ${entry.runId} (moved)`);
      continue;
    }
    let chain = chains.get(entry.writer);
    if (chain === undefined) chains.set(entry.writer, (chain = new Map()));
    // No unique index keeps (writer, seq) apart in the receipts table: a writer never reuses a seq,
    // so two authentic entries at one place are a fork (a statement thought lost that committed
    // after all, or a copied writer id), never two views of one chain.
    const earlier = chain.get(entry.seq);
    if (earlier !== undefined) {
      if (earlier.mac !== entry.mac || earlier.runId !== entry.runId) {
        problems.push(`${row.where} is a second entry ${entry.seq} of writer ${entry.writer} (a fork: the first records run ${earlier.runId}, this one run ${entry.runId})`);
      } else {
        problems.push(`${row.where} is stored twice`);
      }
      continue;
    }
    chain.set(entry.seq, { ...entry, where: row.where });
  }
  return chains;
}

/** Numbering from 0 and links, in seq order. */
function checkChain(writer: string, chain: Map<number, Located<WriterEntry>>, problems: string[]): void {
  let headSeq = EMPTY_HEAD.seq;
  let headMac = EMPTY_HEAD.mac;
  for (const seq of [...chain.keys()].sort((a, b) => a - b)) {
    const entry = chain.get(seq) as Located<WriterEntry>;
    if (seq > headSeq + 1) {
      const first = headSeq + 1;
      const last = seq - 1;
      const which = first === last ? `entry ${first} of writer ${writer} is` : `entries ${first}–${last} of writer ${writer} are`;
      problems.push(`${which} missing from the journal (before ${entry.where})`);
    } else if (entry.prev !== headMac) {
      problems.push(`${entry.where}: entry ${seq} is not linked to entry ${headSeq} of writer ${writer}${entry.prev === GENESIS ? " (it claims to be the first)" : ""}`);
    }
    headSeq = seq;
    headMac = entry.mac;
  }
}

/**
 * Makes a writer entry one of the walk's entries by run id. The auditor reads its run id,
 * signature, seq and where (which names the writer); `v` stays the walk's type.
 */
function index(byRunId: Walk["byRunId"], entry: Located<WriterEntry>, problems: string[]): void {
  const earlier = byRunId.get(entry.runId);
  if (earlier === undefined) {
    const located: JournalEntry & { where: string } = {
      v: JOURNAL_VERSION,
      seq: entry.seq,
      runId: entry.runId,
      signature: entry.signature,
      prev: entry.prev,
      mac: entry.mac,
      where: entry.where,
    };
    byRunId.set(entry.runId, located);
  } else if (earlier.signature !== entry.signature) {
    problems.push(`${entry.where} records run ${entry.runId} again (first at ${earlier.where})`);
  }
}

/** Checks the seal chain and what it vouches for; returns its head (the last authentic seal in order). */
function checkSeals(key: JournalKey, rows: readonly RawWriterRow[], chains: Map<string, Map<number, Located<WriterEntry>>>, problems: string[]): JournalHead {
  const seals: Located<Seal>[] = [];
  for (const row of rows) {
    const seal = row.value === undefined ? "is not valid JSON" : openSeal(key, row.value);
    if (typeof seal === "string") problems.push(`${row.where} ${seal}`);
    else if (String(seal.seq) !== row.seq) problems.push(`${row.where} holds seal ${seal.seq} (moved or reordered)`);
    else seals.push({ ...seal, where: row.where });
  }
  seals.sort((a, b) => a.seq - b.seq);
  let head: JournalHead = EMPTY_HEAD;
  const sealedUpTo = new Map<string, number>();
  for (const seal of seals) {
    if (seal.seq > head.seq + 1) {
      const first = head.seq + 1;
      const last = seal.seq - 1;
      problems.push(`seal${first === last ? ` ${first} is` : `s ${first}–${last} are`} missing from the journal (before ${seal.where})`);
    } else if (seal.prev !== head.mac) {
      problems.push(`${seal.where}: seal ${seal.seq} is not linked to seal ${head.seq}`);
    }
    head = { seq: seal.seq, mac: seal.mac };
    for (const [writer, seq, mac] of seal.heads) {
      const before = sealedUpTo.get(writer);
      if (before !== undefined && seq < before) problems.push(`${seal.where}: seal ${seal.seq} moves writer ${writer} back from entry ${before} to ${seq}`);
      sealedUpTo.set(writer, Math.max(seq, before ?? seq));
      const chain = chains.get(writer);
      const entry = chain?.get(seq);
      if (chain === undefined) problems.push(`the chain of writer ${writer}, sealed up to entry ${seq} by ${seal.where}, is missing from the journal (deleted)`);
      else if (entry === undefined) problems.push(`entry ${seq} of writer ${writer}, sealed by ${seal.where}, is missing from the journal (its tail was cut)`);
      else if (entry.mac !== mac) problems.push(`${entry.where}: entry ${seq} of writer ${writer} is not the one ${seal.where} sealed (replaced)`);
    }
  }
  return head;
}

function checkAnchor(rows: readonly RawWriterRow[], head: JournalHead, anchor: JournalAnchor, key: JournalKey, problems: string[]): void {
  if (anchor.seq === head.seq) {
    if (anchor.mac !== head.mac) problems.push(`seal ${anchor.seq} is not the anchored one (the journal was replaced)`);
    return;
  }
  const row = rows.find((candidate) => candidate.seq === String(anchor.seq));
  const seal = row?.value === undefined ? undefined : openSeal(key, row.value);
  if (typeof seal !== "object") {
    problems.push(`the anchored seal ${anchor.seq} is not in the journal (its tail was cut, or the journal was replaced)`);
  } else if (seal.mac !== anchor.mac) {
    problems.push(`${row?.where ?? "seal"}: seal ${anchor.seq} is not the anchored one (the journal was replaced)`);
  }
}
