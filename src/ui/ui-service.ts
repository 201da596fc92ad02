import type { ApprovalDecisionRecord, HaltRecord } from "../approvals/records.js";
import type { PendingApproval } from "../approvals/desk.js";
import type { HaltStatus } from "../approvals/kill-switch.js";
import type { EnactClient } from "../client.js";
import { ApprovalError } from "../errors.js";
import type { AuditReport, walkJournal } from "../journal/audit.js";
import type { LocatedJournalEntry } from "../journal/journal-lookup.js";
import type { ReceiptSigner } from "../receipt.js";
import type { AuditableStore } from "../cli/store.js";
import type { IndexEntry } from "./index-entry.js";
import { isUnfiltered, ReceiptIndex, type IndexQuery, type ReceiptSource } from "./receipt-index.js";

/** Whether a receipt's signature and journal entry vouch for it; "not checked" without the secret. */
export interface Verification {
  signature: "valid" | "invalid" | "not checked";
  /** `recorded`: its journal entry names this very receipt; `unsealed`: a write-ahead log vouches for it, not chained yet. */
  journal: "recorded" | "unsealed" | "differs" | "missing" | "not checked";
  journalSeq?: number;
}

/** A row of the list: the index entry and how it verifies now. */
export interface ListRow extends Omit<IndexEntry, "text" | "time"> {
  verification: Verification;
}

/** The state of the page's "verify the store" run. */
export interface VerifyJob {
  state: "idle" | "running" | "done" | "failed";
  done: number;
  total: number;
  startedAt?: string;
  finishedAt?: string;
  report?: AuditReport;
  error?: string;
}

/** Why a control (approvals, kill switch, verification) is unavailable, in words for the page. */
export interface Capabilities {
  /** The identity decisions are recorded under (`--as`), if given. */
  as?: string;
  secret: boolean;
  /** Undefined when approving and denying works; else why not. */
  decideBlockedBecause?: string;
  /** Undefined when halting works; else why not. */
  haltBlockedBecause?: string;
}

// A receipt missing from the cached journal walk makes a new walk only if that one is older than this.
const JOURNAL_TTL_MS = 2_000;
// Rows (pages × page size) the list may serve from the newest receipts before its index is built.
const EARLY_PAGE_ROWS = 1_000;
// Findings shipped to the page at most: a store with 100,000 bad receipts has a summary, not a scroll.
const MAX_FINDINGS = 500;

/** What the web page can do, over one store: the HTTP server only translates requests to these calls. */
export class UiService {
  readonly index: ReceiptIndex;
  readonly #store: AuditableStore;
  readonly #source: ReceiptSource;
  readonly #signer: ReceiptSigner | undefined;
  readonly #client: EnactClient | undefined;
  readonly #capabilities: Capabilities;
  #journal: { generation: number; at: number; walked: ReturnType<typeof walkJournal> } | undefined;
  #job: VerifyJob = { state: "idle", done: 0, total: 0 };

  constructor(options: {
    store: AuditableStore;
    source: ReceiptSource;
    signer?: ReceiptSigner;
    client?: EnactClient;
    capabilities: Capabilities;
  }) {
    this.#store = options.store;
    this.#source = options.source;
    this.#signer = options.signer;
    this.#client = options.client;
    this.#capabilities = options.capabilities;
    this.index = new ReceiptIndex(options.source);
  }

  get label(): string {
    return this.#store.label;
  }

  get capabilities(): Capabilities {
    return this.#capabilities;
  }

  /**
   * One page of the list, each row verified as its file is now. `complete` is false for a first
   * page served before the index is built (from `ReceiptSource.newest`, see `newestReceipts`):
   * the page asks again once the index is ready.
   */
  async list(query: IndexQuery): Promise<{ rows: ListRow[]; total: number; indexed: number; complete: boolean }> {
    const newest = this.#source.newest;
    if (!this.index.built && newest !== undefined && isUnfiltered(query) && (query.page + 1) * query.pageSize <= EARLY_PAGE_ROWS) {
      const early = await newest((query.page + 1) * query.pageSize);
      const entries = early.entries.slice(query.page * query.pageSize);
      // Only this page's journal entries, from the newest segments: the whole walk waits for the index.
      const located = this.#signer === undefined ? undefined : await this.#store.journalEntriesOf?.(new Set(entries.map((entry) => entry.runId)));
      const rows = await this.#rows(entries, located);
      // The full index is built after the answer, not before it; its errors surface on the next request.
      this.index.refresh().catch(() => undefined);
      return { rows, total: early.total, indexed: this.index.size, complete: false };
    }
    await this.index.refresh();
    const page = this.index.page(query);
    return { rows: await this.#rows(page.entries), total: page.total, indexed: this.index.size, complete: true };
  }

  async #rows(entries: readonly IndexEntry[], located?: ReadonlyMap<string, LocatedJournalEntry>): Promise<ListRow[]> {
    const rows: ListRow[] = [];
    for (const { text: _text, time: _time, ...entry } of entries) {
      const stored = await this.#source.read(entry.runId);
      rows.push({ ...entry, verification: await this.#verify(entry.runId, stored?.value, located) });
    }
    return rows;
  }

  async stats(query: Omit<IndexQuery, "page" | "pageSize">): Promise<ReturnType<ReceiptIndex["stats"]>> {
    await this.index.refresh();
    return this.index.stats(query);
  }

  async facets(): Promise<{ workflows: string[]; actors: string[] }> {
    await this.index.refresh();
    return this.index.facets();
  }

  /** One receipt as stored (raw JSON), with its verification; undefined when there is none. */
  async receipt(runId: string): Promise<{ runId: string; where: string; value?: unknown; error?: string; verification: Verification; journalProblems: number } | undefined> {
    const stored = await this.#source.read(runId);
    if (stored === undefined) return undefined;
    const verification = await this.#verify(runId, stored.value);
    const journalProblems = this.#journal?.walked.check.problems.length ?? 0;
    return { runId, where: stored.where, ...(stored.value === undefined ? {} : { value: stored.value }), ...(stored.error === undefined ? {} : { error: stored.error }), verification, journalProblems };
  }

  /** `located`: the journal entries already found for these run ids (an early page); else the cached walk answers. */
  async #verify(runId: string, value: unknown, located?: ReadonlyMap<string, LocatedJournalEntry>): Promise<Verification> {
    if (this.#signer === undefined) return { signature: "not checked", journal: "not checked" };
    const signatureValid = value !== undefined && this.#signer.verify(value);
    const signature = typeof value === "object" && value !== null ? (value as { signature?: unknown }).signature : undefined;
    let entry = located !== undefined ? located.get(runId) : (await this.#walkedJournal(false)).byRunId.get(runId);
    // A receipt newer than the cached walk: walk again (at most every JOURNAL_TTL_MS).
    if (entry === undefined && located === undefined) entry = (await this.#walkedJournal(true)).byRunId.get(runId);
    let journal: Verification["journal"];
    if (entry !== undefined) journal = entry.signature === signature && (value as { runId?: unknown }).runId === runId ? "recorded" : "differs";
    else if (typeof signature === "string" && (await this.#store.loggedAhead?.(runId, signature)) !== undefined) journal = "unsealed";
    else journal = "missing";
    return { signature: signatureValid ? "valid" : "invalid", journal, ...(entry === undefined ? {} : { journalSeq: entry.seq }) };
  }

  /**
   * The journal walked, cached while the index has not changed: a walk of 100,000 entries takes
   * about a second of CPU, and entries are only ever appended. `missing`: a receipt was not in the
   * cached walk, so walk again unless that walk is younger than JOURNAL_TTL_MS. (A journal edited
   * in place is caught by "Verify the store", which always walks it afresh.)
   */
  async #walkedJournal(missing: boolean): Promise<ReturnType<typeof walkJournal>> {
    const cached = this.#journal;
    if (cached !== undefined && cached.generation === this.index.generation && (!missing || Date.now() - cached.at < JOURNAL_TTL_MS)) return cached.walked;
    const walked = await this.#store.journal();
    this.#journal = { generation: this.index.generation, at: Date.now(), walked };
    return walked;
  }

  async pendingApprovals(): Promise<PendingApproval[]> {
    return this.#required("approvals").pendingApprovals();
  }

  /** Approves or denies as `--as`, through `EnactClient.approve`/`deny` and so the same rules. */
  async decide(id: string, decision: "approved" | "denied", words: string | undefined): Promise<ApprovalDecisionRecord> {
    const blocked = this.#capabilities.decideBlockedBecause;
    if (blocked !== undefined) throw new UiRefusal(403, blocked);
    const client = this.#required("approvals");
    const approver = this.#capabilities.as as string;
    try {
      return decision === "approved" ? await client.approve(id, { approver, ...(words ? { note: words } : {}) }) : await client.deny(id, { approver, ...(words ? { reason: words } : {}) });
    } catch (error) {
      if (error instanceof ApprovalError) throw new UiRefusal(409, `${error.message} (${error.reason})`);
      throw error;
    }
  }

  async haltStatus(): Promise<HaltStatus> {
    return this.#required("the kill switch").haltStatus();
  }

  async setHalt(halted: boolean, reason: string | undefined): Promise<HaltRecord> {
    const blocked = this.#capabilities.haltBlockedBecause;
    if (blocked !== undefined) throw new UiRefusal(403, blocked);
    const client = this.#required("the kill switch");
    const by = this.#capabilities.as as string;
    if (!halted) return client.unhalt({ by });
    if (reason === undefined || reason.trim() === "") throw new UiRefusal(400, "Say why you halt: the reason is recorded with the halt.");
    return client.halt({ by, reason });
  }

  /** Starts `enact-sdk verify`'s check of the whole store unless one is running; progress is in `verifyJob`. */
  startVerify(): VerifyJob {
    if (this.#signer === undefined) throw new UiRefusal(409, "ENACT_SECRET is not set: signatures and the journal cannot be checked without it.");
    if (this.#job.state === "running") return this.#job;
    const job: VerifyJob = { state: "running", done: 0, total: 0, startedAt: new Date().toISOString() };
    this.#job = job;
    void this.#store
      .audit({ onProgress: (done, total) => Object.assign(job, { done, total }) })
      .then((report) => {
        const findings = report.findings.slice(0, MAX_FINDINGS);
        Object.assign(job, { state: "done", finishedAt: new Date().toISOString(), report: { ...report, findings }, done: job.total });
      })
      .catch((error: unknown) => Object.assign(job, { state: "failed", finishedAt: new Date().toISOString(), error: error instanceof Error ? error.message : String(error) }));
    return job;
  }

  get verifyJob(): VerifyJob {
    return this.#job;
  }

  #required(what: string): EnactClient {
    if (this.#client === undefined) throw new UiRefusal(409, `ENACT_SECRET is not set: ${what} cannot be read or signed without it.`);
    return this.#client;
  }
}

/** A request the page may not make now, with the HTTP status and words to show. */
export class UiRefusal extends Error {
  override name = "UiRefusal";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
