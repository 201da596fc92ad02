import { canonicalJson } from "../receipt.js";
import type { JournalHead, JournalItem } from "./entry.js";
import type { JournalKey } from "./key.js";

/** Format version of per-writer journal entries and of seals. */
export const WRITER_JOURNAL_VERSION = 2 as const;

/**
 * One entry of a writer's own chain (journal v2, Postgres store): receipt `runId`, whose
 * `signature` was this, was the `seq`-th receipt (from 0) stored by `writer`, after that
 * writer's entry whose MAC is `prev`. `mac` is HMAC-SHA256, under the journal key, of the
 * RFC 8785 form of the other fields. Writers never share a chain, so none waits for another.
 */
export interface WriterEntry {
  v: typeof WRITER_JOURNAL_VERSION;
  writer: string;
  seq: number;
  runId: string;
  signature: string;
  prev: string;
  mac: string;
}

/** One writer chain's head as a seal records it: `[writer, seq, mac]`. */
export type SealedHead = readonly [writer: string, seq: number, mac: string];

/**
 * One link of the seal chain: at `seq` (from 0, after the seal whose MAC is `prev`) the writer
 * chains in `heads` (sorted by writer) had these heads. What a seal covers cannot be cut or
 * deleted without breaking a MAC; an anchor on the newest seal catches a cut seal tail.
 */
export interface Seal {
  v: typeof WRITER_JOURNAL_VERSION;
  kind: "seal";
  seq: number;
  prev: string;
  heads: SealedHead[];
  mac: string;
}

/** Chains `items` after `head` in `writer`'s chain, in order. */
export function chainWriterEntries(key: JournalKey, writer: string, head: JournalHead, items: readonly JournalItem[]): WriterEntry[] {
  const entries: WriterEntry[] = [];
  let seq = head.seq;
  let prev = head.mac;
  const plainWriter = PLAIN.test(writer);
  for (const { runId, signature } of items) {
    seq += 1;
    const fields = { v: WRITER_JOURNAL_VERSION, writer, seq, runId, signature, prev };
    const mac = key.mac(plainWriter && PLAIN.test(runId) && PLAIN.test(signature) && PLAIN.test(prev) ? plainEntryJcs(fields) : canonicalJson(fields));
    entries.push({ v: fields.v, writer, seq, runId, signature, prev, mac });
    prev = mac;
  }
  return entries;
}

/** Printable ASCII without `"` and `\\`: a string RFC 8785 writes as itself between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The RFC 8785 form of an entry's MAC'd fields whose strings are all PLAIN (uuids, hex: every
 * entry the store writes), keys in the order RFC 8785 sorts them; the same bytes as
 * `canonicalJson(fields)` (tested), without its generic walk, on every append.
 */
function plainEntryJcs(fields: { v: number; writer: string; seq: number; runId: string; signature: string; prev: string }): string {
  return `{"prev":"${fields.prev}","runId":"${fields.runId}","seq":${fields.seq},"signature":"${fields.signature}","v":${fields.v},"writer":"${fields.writer}"}`;
}

/** The next seal after `tail` (undefined: the first), over `heads`. */
export function makeSeal(key: JournalKey, tail: JournalHead, heads: readonly SealedHead[]): Seal {
  const sorted = [...heads].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const fields = { v: WRITER_JOURNAL_VERSION, kind: "seal" as const, seq: tail.seq + 1, prev: tail.mac, heads: sorted };
  return { ...fields, mac: key.mac(canonicalJson(fields)) };
}

/** The stored text of an entry or seal: its JSON, fields in a fixed order. */
export function writerEntryText(entry: WriterEntry | Seal): string {
  return JSON.stringify(entry);
}

const ENTRY_FIELDS = ["v", "writer", "seq", "runId", "signature", "prev", "mac"] as const;
const SEAL_FIELDS = ["v", "kind", "seq", "prev", "heads", "mac"] as const;
const WRONG_MAC = "has a wrong MAC (edited, forged, or sealed with another secret)";

/**
 * Reads one stored writer entry: the entry when it is well formed and authentic under `key`,
 * else a sentence saying what is wrong. The MAC covers exactly the known fields.
 */
export function openWriterEntry(key: JournalKey, raw: unknown): WriterEntry | string {
  const record = exactFields(raw, ENTRY_FIELDS);
  if (typeof record === "string") return record;
  const { v, writer, seq, runId, signature, prev, mac } = record;
  if (v !== WRITER_JOURNAL_VERSION) return `has unknown version ${JSON.stringify(v)}`;
  if (!isSeq(seq)) return "has a malformed seq";
  if (typeof writer !== "string" || typeof runId !== "string" || typeof signature !== "string" || typeof prev !== "string") {
    return "has malformed fields";
  }
  const fields = { v, writer, seq, runId, signature, prev };
  if (!verifies(key, fields, mac)) return WRONG_MAC;
  return { ...fields, mac: mac as string };
}

/** Reads one stored seal, like `openWriterEntry`. */
export function openSeal(key: JournalKey, raw: unknown): Seal | string {
  const record = exactFields(raw, SEAL_FIELDS);
  if (typeof record === "string") return record;
  const { v, kind, seq, prev, heads, mac } = record;
  if (v !== WRITER_JOURNAL_VERSION || kind !== "seal") return `is not a seal of version ${WRITER_JOURNAL_VERSION}`;
  if (!isSeq(seq)) return "has a malformed seq";
  if (typeof prev !== "string" || !Array.isArray(heads) || !heads.every(isSealedHead)) return "has malformed fields";
  const fields = { v, kind: "seal" as const, seq, prev, heads: heads as SealedHead[] };
  if (!verifies(key, fields, mac)) return WRONG_MAC;
  return { ...fields, mac: mac as string };
}

function exactFields(raw: unknown, names: readonly string[]): Record<string, unknown> | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "is not a JSON object";
  const record = raw as Record<string, unknown>;
  const own = Object.keys(record);
  if (own.length !== names.length || !names.every((name) => Object.hasOwn(record, name))) return `has unexpected fields (${own.join(", ")})`;
  return record;
}

function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isSealedHead(value: unknown): boolean {
  return Array.isArray(value) && value.length === 3 && typeof value[0] === "string" && isSeq(value[1]) && typeof value[2] === "string";
}

function verifies(key: JournalKey, fields: object, mac: unknown): boolean {
  let sealed: string;
  try {
    sealed = canonicalJson(fields);
  } catch {
    // No canonical form (a lone surrogate, say): no writer of ours produced it.
    return false;
  }
  return key.verify(sealed, mac);
}
