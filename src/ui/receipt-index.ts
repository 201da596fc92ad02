import { readdirSync } from "node:fs";
import type { StoredReceipt } from "../journal/audit.js";
import { newestFirst, summarize, type IndexEntry } from "./index-entry.js";
import { RECEIPT_FILE, readReceiptAt, receiptFilePaths } from "../journal/file-source.js";
import { newestReceipts } from "./newest-receipts.js";

/** Decisions a person filters by: the stored ones, plus FAILED (an error or a failed action) and UNREADABLE. */
export const DECISION_FILTERS = ["PASS", "BLOCK", "PARTIAL", "PENDING_APPROVAL", "FAILED", "UNREADABLE"] as const;

/** Which receipts a page shows. */
export interface IndexQuery {
  workflow?: string;
  actor?: string;
  decision?: string;
  /** Inclusive, ms since the epoch. */
  since?: number;
  /** Exclusive, ms since the epoch. */
  until?: number;
  /** Case-insensitive substring of `IndexEntry.text`. */
  text?: string;
  /** 0-based. */
  page: number;
  pageSize: number;
}

/** One page of entries, newest first, and how many match in all. */
export interface IndexPage {
  entries: IndexEntry[];
  total: number;
}

/** The "at a glance" numbers over the receipts a query matches (paging aside). */
export interface IndexStats {
  /** Buckets oldest first: start time (ISO) and counts per decision. */
  buckets: { start: string; counts: Record<string, number> }[];
  bucketMs: number;
  /** Policies that failed in BLOCK receipts, most often first. */
  topBlocking: { policy: string; count: number }[];
}

// A source that can only read everything at once (a database) is read again at most this often.
const READ_ALL_EVERY_MS = 2_000;
// Files parsed between yields to the event loop while the index is built: the page stays responsive.
const PARSE_CHUNK = 500;

/**
 * Where receipts come from: the run ids stored now, and one receipt read. A directory answers the
 * first from a directory listing, so only new files are ever parsed again.
 */
export interface ReceiptSource {
  runIds(): Promise<string[]>;
  read(runId: string): Promise<StoredReceipt | undefined>;
  /** Optional: every receipt at once (a database reads them in one query). */
  readAll?(): Promise<StoredReceipt[]>;
  /**
   * Optional: the `count` newest receipts and how many there are, without reading them all, for
   * the first pages shown while the index is still being built.
   */
  newest?(count: number): Promise<{ entries: IndexEntry[]; total: number }>;
}

/** A receipt directory as a `ReceiptSource`: file names are run ids. */
export function directorySource(directory: string): ReceiptSource {
  const pathOf = receiptFilePaths(directory);
  return {
    async runIds() {
      const ids: string[] = [];
      for (const name of readdirSync(directory)) if (RECEIPT_FILE.test(name)) ids.push(name.slice(0, -".json".length));
      return ids;
    },
    async read(runId) {
      const stored = readReceiptAt(runId, pathOf(runId));
      return stored.error === "does not exist" ? undefined : stored;
    },
    newest: (count) => newestReceipts(directory, count),
  };
}

/**
 * An in-memory index of a store's receipts, newest first, built lazily on the first query and
 * brought up to date on each later one by parsing only receipts it has not seen (a directory
 * listing of 100,000 names takes tens of ms; parsing them all takes seconds). Receipts are
 * append-only, so a run id once indexed keeps its summary; a file edited afterwards is caught by
 * the signature check, which always reads the file as it is now.
 */
export class ReceiptIndex {
  readonly #source: ReceiptSource;
  readonly #entries = new Map<string, IndexEntry>();
  #sorted: IndexEntry[] = [];
  #refreshing: Promise<void> | undefined;
  #readAllAt = Number.NEGATIVE_INFINITY;
  #built = false;
  /** Bumped whenever entries are added or removed: caches keyed on it (the journal walk) know to redo. */
  generation = 0;

  constructor(source: ReceiptSource) {
    this.#source = source;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** True once the store has been read through: until then pages come from `ReceiptSource.newest` where it can. */
  get built(): boolean {
    return this.#built;
  }

  /** Brings the index up to date with the store; concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    let changed = false;
    if (this.#source.readAll !== undefined) {
      if (Date.now() - this.#readAllAt < READ_ALL_EVERY_MS) return;
      this.#readAllAt = Date.now();
      const all = await this.#source.readAll();
      const seen = new Set<string>();
      for (const stored of all) {
        seen.add(stored.runId);
        if (!this.#entries.has(stored.runId)) {
          this.#entries.set(stored.runId, summarize(stored));
          changed = true;
        }
      }
      changed = this.#forgetAllBut(seen) || changed;
    } else {
      const ids = await this.#source.runIds();
      const seen = new Set(ids);
      const fresh = ids.filter((id) => !this.#entries.has(id));
      for (let start = 0; start < fresh.length; start += PARSE_CHUNK) {
        for (const runId of fresh.slice(start, start + PARSE_CHUNK)) {
          const stored = await this.#source.read(runId);
          if (stored !== undefined) this.#entries.set(runId, summarize(stored));
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      changed = fresh.length > 0;
      changed = this.#forgetAllBut(seen) || changed;
    }
    if (changed) {
      this.#sorted = [...this.#entries.values()].sort(newestFirst);
      this.generation += 1;
    }
    this.#built = true;
  }

  #forgetAllBut(seen: ReadonlySet<string>): boolean {
    let removed = false;
    for (const runId of this.#entries.keys()) {
      if (!seen.has(runId)) {
        this.#entries.delete(runId);
        removed = true;
      }
    }
    return removed;
  }

  /** One page of the entries matching `query`, newest first. */
  page(query: IndexQuery): IndexPage {
    const matching = this.#matching(query);
    const start = query.page * query.pageSize;
    return { entries: matching.slice(start, start + query.pageSize), total: matching.length };
  }

  /** The distinct workflows and actors, for the filters' suggestions (at most `limit` each). */
  facets(limit = 200): { workflows: string[]; actors: string[] } {
    const workflows = new Set<string>();
    const actors = new Set<string>();
    for (const entry of this.#sorted) {
      if (workflows.size < limit) workflows.add(entry.workflow);
      if (actors.size < limit) actors.add(entry.actorEmail);
      if (workflows.size >= limit && actors.size >= limit) break;
    }
    return { workflows: [...workflows].sort(), actors: [...actors].sort() };
  }

  /** Decisions over time (about `bucketCount` buckets spanning the matching receipts) and the policies that block most. */
  stats(query: Omit<IndexQuery, "page" | "pageSize">, bucketCount = 30): IndexStats {
    const matching = this.#matching({ ...query, page: 0, pageSize: 0 }).filter((entry) => !Number.isNaN(entry.time));
    const blocking = new Map<string, number>();
    for (const entry of matching) {
      if (entry.decision !== "BLOCK") continue;
      for (const policy of entry.failedPolicies) blocking.set(policy, (blocking.get(policy) ?? 0) + 1);
    }
    const topBlocking = [...blocking.entries()]
      .map(([policy, count]) => ({ policy, count }))
      .sort((a, b) => b.count - a.count || a.policy.localeCompare(b.policy))
      .slice(0, 8);
    if (matching.length === 0) return { buckets: [], bucketMs: 0, topBlocking };
    const newest = (matching[0] as IndexEntry).time;
    const oldest = (matching[matching.length - 1] as IndexEntry).time;
    const bucketMs = niceBucket(Math.max(1, newest - oldest) / bucketCount);
    const first = Math.floor(oldest / bucketMs) * bucketMs;
    const count = Math.floor((newest - first) / bucketMs) + 1;
    const buckets = Array.from({ length: count }, (_, index) => ({ start: new Date(first + index * bucketMs).toISOString(), counts: {} as Record<string, number> }));
    for (const entry of matching) {
      const bucket = buckets[Math.floor((entry.time - first) / bucketMs)];
      if (bucket !== undefined) bucket.counts[entry.decision] = (bucket.counts[entry.decision] ?? 0) + 1;
    }
    return { buckets, bucketMs, topBlocking };
  }

  #matching(query: IndexQuery): IndexEntry[] {
    if (isUnfiltered(query)) return this.#sorted;
    const text = query.text?.trim().toLowerCase();
    return this.#sorted.filter(
      (entry) =>
        (query.workflow === undefined || entry.workflow === query.workflow) &&
        (query.actor === undefined || entry.actorEmail === query.actor) &&
        (query.decision === undefined || (query.decision === "FAILED" ? entry.failed : entry.decision === query.decision)) &&
        (query.since === undefined || entry.time >= query.since) &&
        (query.until === undefined || entry.time < query.until) &&
        (text === undefined || text === "" || entry.text.includes(text)),
    );
  }
}

const STEPS_MS = [1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 10_800_000, 21_600_000, 86_400_000, 604_800_000];

/** True when a query matches every receipt (paging aside). */
export function isUnfiltered(query: Omit<IndexQuery, "page" | "pageSize">): boolean {
  const text = query.text?.trim();
  return query.workflow === undefined && query.actor === undefined && query.decision === undefined && query.since === undefined && query.until === undefined && (text === undefined || text === "");
}

/** The smallest round bucket size (a second, 5 s, …, a day, a week) at least `ms` long. */
function niceBucket(ms: number): number {
  return STEPS_MS.find((step) => step >= ms) ?? Math.ceil(ms / 604_800_000) * 604_800_000;
}
