import { randomUUID } from "node:crypto";
import { sha256Hex } from "../sha256.js";
import type { Pool, PoolClient } from "pg";
import { ReceiptExistsError } from "../errors.js";
import { isConnectionFault, retryConnectionFaults } from "../stores/pg-faults.js";
import { inTransaction } from "../stores/pg-transaction.js";
import { EMPTY_HEAD, type JournalHead } from "./entry.js";
import { JournalDamagedError } from "./errors.js";
import type { JournalKey } from "./key.js";
import { chainWriterEntries, makeSeal, openSeal, openWriterEntry, writerEntryText, type SealedHead, type WriterEntry } from "./writer-entry.js";

/** The columns of one receipt row, as the receipts table holds them. */
export interface ReceiptRow {
  runId: string;
  signature: string;
  workflow: string;
  actorEmail: string;
  decision: string;
  createdAt: string;
  keySha256: string | null;
  /** The exact JSON text that was signed. */
  text: string;
}

/** The quoted, possibly schema-qualified names of the tables the journal writes. */
export interface JournalTables {
  receipts: string;
  entries: string;
  writers: string;
  seals: string;
}

interface Pending {
  row: ReceiptRow;
  resolve: (entry: WriterEntry) => void;
  reject: (error: unknown) => void;
}

/** A batch whose statement may have committed though its answer was lost. */
interface Uncertain {
  first: WriterEntry;
  firstText: string;
  last: WriterHead;
}

/** A writer chain's head, with its receipt's run id (none before the first entry). */
interface WriterHead extends JournalHead {
  runId?: string;
}

/** How long `flush()` and `close()` wait for another writer's seal before giving up, ms. */
const SEAL_WAIT_MS = 2_000;

/** How long the appends' held client stays checked out without an append, ms. */
const HOLD_IDLE_MS = 1_000;

/** Most receipts one statement stores. */
const MAX_BATCH = 500;

/**
 * Longest time between two writes of a writer's head row by its appends. A writer that stops
 * without sealing leaves at most this much of its chain where other writers' seals do not reach.
 */
const PUBLISH_EVERY_MS = 250;

/**
 * SQLSTATEs of a named statement the server connection does not have (26000) or already has
 * (42P05): what a pooler in transaction mode (PgBouncer before 1.21) answers when consecutive
 * statements of one client land on different server connections. Both are raised at Parse or
 * Bind, before anything runs.
 */
const PREPARED_STATEMENT_STATES = new Set(["26000", "42P05"]);

/** The parameters of `#appendSql(rows.length === 1, publish)`. */
function appendValues(rows: ReceiptRow[], writer: string, entries: WriterEntry[], texts: string[], publish: boolean): unknown[] {
  const last = entries[entries.length - 1] as WriterEntry;
  const values: unknown[] =
    rows.length === 1
      ? [...rowValues(rows[0] as ReceiptRow), writer, last.seq, texts[0]]
      : [
          rows.map((row) => row.runId),
          rows.map((row) => row.workflow),
          rows.map((row) => row.actorEmail),
          rows.map((row) => row.decision),
          rows.map((row) => row.createdAt),
          rows.map((row) => row.keySha256),
          rows.map((row) => row.text),
          writer,
          entries.map((entry) => entry.seq),
          texts,
        ];
  if (publish) values.push(last.seq, last.mac, last.runId);
  return values;
}

function rowValues(row: ReceiptRow): unknown[] {
  return [row.runId, row.workflow, row.actorEmail, row.decision, row.createdAt, row.keySha256, row.text];
}

/**
 * The journal's tables, created by the store's `migrate()` under its lock. The entries of a
 * writer chain are columns of the receipts table (see `RECEIPT_ENTRY_COLUMNS_DDL`); the entries
 * table is where stores created before kept them, kept and verified, never written.
 */
export function journalTablesDdl(tables: JournalTables): string {
  return `
    CREATE TABLE IF NOT EXISTS ${tables.entries} (
      writer uuid NOT NULL,
      seq bigint NOT NULL,
      entry text NOT NULL,
      PRIMARY KEY (writer, seq)
    );
    CREATE TABLE IF NOT EXISTS ${tables.writers} (
      writer uuid PRIMARY KEY,
      head_seq bigint NOT NULL,
      head_mac text NOT NULL,
      head_run_id uuid,
      sealed_seq bigint NOT NULL DEFAULT -1,
      updated_at timestamptz NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ${tables.seals} (seq bigint PRIMARY KEY, entry text NOT NULL);`;
}

/**
 * The receipts table's journal columns, as a column list for its CREATE TABLE: the receipt's
 * entry in its writer's chain. Null in rows written before the single-row layout (their entries
 * are in the entries table) and in rows written without a journal.
 */
export const RECEIPT_ENTRY_COLUMNS_DDL = `writer uuid, seq bigint, entry text`;

/**
 * The journal of a Postgres receipt store (v2): each writer (one store instance) keeps its own
 * hash chain and its head in memory, so appending needs no read and no lock, and writers on any
 * number of machines never wait for each other. Each entry is kept in its receipt's own row
 * (columns `writer`, `seq`, `entry`): a batch of receipts is one INSERT of one row per receipt,
 * in autocommit, with the writer's head row (a data-modifying CTE) at most every
 * PUBLISH_EVERY_MS: one round trip, one commit, all or nothing. No index on `(writer, seq)`
 * slows the insert: a writer never reuses a seq, and verify reports two entries with one
 * `(writer, seq)` as a fork.
 *
 * Seals tie the chains together: a while after a write (and on `flush()`), whichever writer gets
 * a try-lock records every chain's new head in the next link of one seal chain, so a chain cut
 * or deleted after it was sealed no longer matches a MAC. Nobody waits for that lock: a writer
 * that does not get it leaves the seal to the one that has it.
 */
export class PostgresJournal {
  readonly #pool: Pool;
  readonly #tables: JournalTables;
  readonly #receiptsName: string;
  readonly #key: JournalKey;
  readonly #sealIntervalMs: number;
  readonly #lockName: string;
  readonly #writer = randomUUID();
  #head: WriterHead = EMPTY_HEAD;
  #uncertain: Uncertain | undefined;
  #pending: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #sealing: Promise<boolean> = Promise.resolve(false);
  #sealTimer: NodeJS.Timeout | undefined;
  // Entries of ours no seal has covered yet: close() then tries one.
  #unsealed = false;
  // When and up to which entry this writer's head row was last written (see #append).
  #publishedAt = Number.NEGATIVE_INFINITY;
  #publishedSeq = -1;
  readonly #publishEveryMs: number;
  // The append statements, prepared once per connection (named) while the connection keeps them;
  // see #query. Names are a hash of the text, so a name always means the same statement. Four
  // variants (lone receipt or batch, with or without the head row), built once.
  #prepare = true;
  readonly #statements: readonly Statement[];
  // The pool client the appends go through (they run one at a time): checked out once, not per
  // receipt, and thrown away when its connection fails. Released by close().
  #client: PoolClient | undefined;
  #connecting: Promise<PoolClient> | undefined;
  // Unless told not to (`holdAppendConnection: false`), and only from a pool of two connections
  // or more: with one, holding it would leave none for claims and seals.
  readonly #holds: boolean;
  // When the held client was last used, and the timer that gives it back once idle for
  // HOLD_IDLE_MS (one timer per interval, not per append): a process that forgets close() still
  // exits once the pool's idle connections time out, as before.
  #usedAt = 0;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(pool: Pool, tables: JournalTables, key: JournalKey, options: { sealIntervalMs?: number | undefined; holdClient?: boolean } = {}) {
    this.#pool = pool;
    this.#tables = tables;
    // unique_violation names the bare table, without schema or quotes.
    this.#receiptsName = tables.receipts.slice(tables.receipts.lastIndexOf('"', tables.receipts.length - 2) + 1, -1);
    this.#key = key;
    this.#sealIntervalMs = options.sealIntervalMs ?? 1000;
    this.#publishEveryMs = Math.min(PUBLISH_EVERY_MS, this.#sealIntervalMs / 4);
    this.#lockName = `enact-sdk:journal-seal:${tables.seals}`;
    this.#holds = options.holdClient === true && ((pool as { options?: { max?: number } }).options?.max ?? 10) >= 2;
    this.#statements = [false, true].flatMap((single) => [false, true].map((publish) => statement(this.#appendSql(single, publish))));
  }

  /** This writer's id: the chain its entries are in. */
  get writer(): string {
    return this.#writer;
  }

  /**
   * Stores the receipt row and journals it, atomically; resolves with its entry. Rejects with
   * ReceiptExistsError when its run id is taken (only that receipt is refused).
   */
  record(row: ReceiptRow): Promise<WriterEntry> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ row, resolve, reject });
      this.#flushing ??= this.#drain();
    });
  }

  /**
   * Waits for every receipt handed over so far, then seals, waiting up to `SEAL_WAIT_MS` for a
   * writer that holds the seal lock (see `seal({ wait: true })`).
   */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
    await this.seal({ wait: true });
  }

  /**
   * Records every chain's new head in the next seal. Without `wait`, when another writer holds the
   * seal lock it does nothing (that writer seals what it read). With `wait` (flush, close), it waits
   * up to `SEAL_WAIT_MS` for the lock: a writer that holds it may have read the heads before this
   * one's newest head was written, so only sealing it ourselves makes sure it is covered. Resolves
   * true once sealed, false when the lock stayed busy. One seal at a time per store. Appends never
   * wait for any of this.
   */
  seal(options: { wait?: boolean } = {}): Promise<boolean> {
    const next = this.#sealing.catch(() => false).then(() => this.#trySeal(options.wait === true));
    this.#sealing = next;
    return next;
  }

  /** Stops the seal timer; seals once more, unless told not to, if this writer wrote since the last seal. */
  async close(options: { seal?: boolean } = {}): Promise<void> {
    clearTimeout(this.#sealTimer);
    this.#sealTimer = undefined;
    if (this.#flushing !== undefined) await this.#flushing.catch(() => undefined);
    if (this.#unsealed && options.seal !== false) await this.seal({ wait: true }).catch(() => false);
    await this.#sealing.catch(() => false);
    await this.#connecting?.catch(() => undefined);
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    // Back to the pool, so that ending the pool does not wait for it.
    if (this.#client !== undefined) this.#dropClient(this.#client);
  }

  /** Stores every pending receipt, a batch per statement; clears `#flushing` when none is left. */
  async #drain(): Promise<void> {
    try {
      await this.#drainPending();
    } finally {
      this.#flushing = undefined;
    }
  }

  async #drainPending(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      // The common case inline (one async layer less per receipt); a failed batch goes to #storeBatch.
      let entries: WriterEntry[];
      try {
        entries = await this.#append(batch.map((pending) => pending.row));
      } catch (error) {
        await this.#storeFailed(batch, error).catch((failure: unknown) => {
          for (const pending of batch) pending.reject(failure);
        });
        continue;
      }
      for (let index = 0; index < batch.length; index += 1) (batch[index] as Pending).resolve(entries[index] as WriterEntry);
    }
  }

  /** Stores `batch` on its own: on a taken run id, one statement per receipt, so only that one is refused. */
  async #storeBatch(batch: Pending[]): Promise<void> {
    let entries: WriterEntry[];
    try {
      entries = await this.#append(batch.map((pending) => pending.row));
    } catch (error) {
      await this.#storeFailed(batch, error);
      return;
    }
    batch.forEach((pending, index) => pending.resolve(entries[index] as WriterEntry));
  }

  /** After `batch`'s statement failed with `error`: throws it, unless a run id of the batch is taken. */
  async #storeFailed(batch: Pending[], error: unknown): Promise<void> {
    if (!isUniqueViolation(error) || batch.length === 1) throw error;
    for (const pending of batch) await this.#storeBatch([pending]).catch(pending.reject);
  }

  /** One statement: the rows, their entries, the writer's head. A lone taken run id rejects with ReceiptExistsError. */
  async #append(rows: ReceiptRow[]): Promise<WriterEntry[]> {
    if (this.#uncertain !== undefined) await this.#settleUncertain();
    // The head row is only what sealing reads: published every PUBLISH_EVERY_MS at most, and by
    // this writer's own seal attempts, it costs a sequential writer a fraction of one statement.
    const now = Date.now();
    const publish = now - this.#publishedAt >= this.#publishEveryMs;
    const entries = chainWriterEntries(this.#key, this.#writer, this.#head, rows);
    const texts = entries.map(writerEntryText);
    const first = entries[0] as WriterEntry;
    const last = entries[entries.length - 1] as WriterEntry;
    const statement = this.#statements[(rows.length === 1 ? 2 : 0) + (publish ? 1 : 0)] as Statement;
    const values = appendValues(rows, this.#writer, entries, texts, publish);
    try {
      try {
        await this.#query(statement, values);
      } catch (error) {
        if (!isConnectionFault(error)) throw error;
        // Retried on a new connection once we know the try did not commit: it may have committed
        // before its answer was lost. The first try is outside the retry loop: no promise hops
        // for the common case.
        await retryConnectionFaults(async () => {
          if (await this.#committed(first, texts[0] as string)) return;
          await this.#query(statement, values);
        }, 1);
      }
    } catch (error) {
      // Given up on: the next append first finds out whether it committed after all.
      if (isConnectionFault(error)) this.#uncertain = { first, firstText: texts[0] as string, last: { seq: last.seq, mac: last.mac, runId: last.runId } };
      if (rows.length === 1 && isUniqueViolation(error) && (error as { table?: unknown }).table === this.#receiptsName) {
        throw new ReceiptExistsError(`postgres:${first.runId}`);
      }
      throw error;
    }
    this.#head = { seq: last.seq, mac: last.mac, runId: last.runId };
    if (publish) {
      this.#publishedAt = now;
      this.#publishedSeq = last.seq;
    }
    this.#unsealed = true;
    this.#scheduleSeal();
    return entries;
  }

  /**
   * The append statement: a lone receipt as plain VALUES (cheaper to plan than unnest), a batch
   * through unnest; with the writer's head row when `publish` (a data-modifying CTE runs whether
   * or not the main statement reads it: one atomic statement either way).
   */
  #appendSql(single: boolean, publish: boolean): string {
    const { receipts } = this.#tables;
    const columns = "run_id, workflow, actor_email, decision, created_at, idempotency_key_sha256, receipt, writer, seq, entry";
    const stored = single
      ? `INSERT INTO ${receipts} (${columns})
         VALUES ($1::uuid, $2::text, $3::text, $4::text, $5::timestamptz, $6::text, $7::text, $8::uuid, $9::bigint, $10::text)`
      : `INSERT INTO ${receipts} (${columns})
         SELECT u.r, u.w, u.a, u.d, u.t, u.k, u.x, $8::uuid, u.s, u.e
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $9::bigint[], $10::text[]) AS u(r, w, a, d, t, k, x, s, e)`;
    if (!publish) return stored;
    return `WITH stored AS (${stored}) ${this.#publishSql("$8::uuid", "$11", "$12", "$13::uuid")}`;
  }

  /**
   * Runs an append statement on the held client, as a named prepared statement: the server parses
   * and plans it once per connection instead of once per receipt (a sequential writer's most
   * frequent statement). A connection that lost or never had it (a pooler in transaction mode
   * hands each statement to any server connection) refuses it before running anything: this
   * writer then sends its statements unnamed from then on, and runs this one again unnamed. A
   * connection fault throws the client away; the next statement checks out another.
   */
  #query(statement: Statement, values: unknown[]): Promise<void> {
    const client = this.#holds ? this.#client : this.#pool;
    if (client === undefined) return this.#checkOut().then(() => this.#query(statement, values));
    this.#usedAt = Date.now();
    // A callback, not pg's promise: one promise per statement instead of pg's two and this
    // method's own.
    return new Promise<void>((resolve, reject) => {
      const done = (error: Error | undefined): void => {
        if (error === undefined || error === null) resolve();
        else this.#queryFailed(client, statement, values, error).then(resolve, reject);
      };
      if (this.#prepare) client.query({ name: statement.name, text: statement.text, values }, done);
      else client.query(statement.text, values, done);
    });
  }

  /** `#query`'s error: the client thrown away on a connection fault, the statement run unnamed when the connection lacks it. */
  async #queryFailed(client: PoolClient | Pool, statement: Statement, values: unknown[], error: Error): Promise<void> {
    if (isConnectionFault(error)) {
      this.#dropClient(client, error);
      throw error;
    }
    if (!this.#prepare || !PREPARED_STATEMENT_STATES.has((error as { code?: unknown }).code as string)) throw error;
    this.#prepare = false;
    await client.query(statement.text, values);
  }

  /** Checks out the client appends go through, once (concurrent callers share the wait). */
  #checkOut(): Promise<PoolClient> {
    this.#connecting ??= this.#pool.connect().then(
      (client) => {
        // A checked-out client has no 'error' listener of the pool's: a connection dropped while
        // it waits between appends must not crash the process. The next append fails and retries.
        client.on("error", ignore);
        this.#client = client;
        this.#connecting = undefined;
        this.#scheduleIdleRelease();
        return client;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  #scheduleIdleRelease(): void {
    if (this.#idleTimer !== undefined) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      const client = this.#client;
      if (client === undefined) return;
      // Not while an append is in flight on it (#flushing), nor when one used it lately.
      if (this.#flushing === undefined && Date.now() - this.#usedAt >= HOLD_IDLE_MS) this.#dropClient(client);
      else this.#scheduleIdleRelease();
    }, HOLD_IDLE_MS);
    this.#idleTimer.unref();
  }

  /** Gives the held client back to the pool, destroyed when `error` says its connection failed. */
  #dropClient(client: PoolClient | Pool, error?: unknown): void {
    if (this.#client !== client || this.#client === undefined) return;
    const held = this.#client;
    this.#client = undefined;
    held.removeListener("error", ignore);
    held.release(error instanceof Error ? error : error === undefined ? undefined : new Error(String(error)));
  }

  /** Upserts the writer's head row (with the head's run id, by which sealing finds its entry), never moving it back. */
  #publishSql(writer: string, seq: string, mac: string, runId: string): string {
    return `INSERT INTO ${this.#tables.writers} AS w (writer, head_seq, head_mac, head_run_id, updated_at) VALUES (${writer}, ${seq}, ${mac}, ${runId}, now())
      ON CONFLICT (writer) DO UPDATE SET head_seq = EXCLUDED.head_seq, head_mac = EXCLUDED.head_mac, head_run_id = EXCLUDED.head_run_id, updated_at = EXCLUDED.updated_at
      WHERE w.head_seq < EXCLUDED.head_seq`;
  }

  /**
   * True when the statement that wrote `first` committed: then all of it did. Looked up by run id
   * (the receipts' primary key): the entry text names this writer, seq and MAC, so only our own
   * row matches it.
   */
  async #committed(first: WriterEntry, text: string): Promise<boolean> {
    const { rows } = await this.#pool.query<{ entry: string | null }>(`SELECT entry FROM ${this.#tables.receipts} WHERE run_id = $1`, [first.runId]);
    return rows[0]?.entry === text;
  }

  /** After a batch whose fate is unknown: moves the head past it if it committed after all. */
  async #settleUncertain(): Promise<void> {
    const uncertain = this.#uncertain;
    if (uncertain === undefined) return;
    if (await retryConnectionFaults(() => this.#committed(uncertain.first, uncertain.firstText))) this.#head = uncertain.last;
    this.#uncertain = undefined;
  }

  #scheduleSeal(): void {
    if (this.#sealTimer !== undefined || !Number.isFinite(this.#sealIntervalMs)) return;
    this.#sealTimer = setTimeout(() => {
      this.#sealTimer = undefined;
      void this.seal().catch(() => false);
    }, this.#sealIntervalMs);
    // A pending seal must not keep a finished process alive.
    this.#sealTimer.unref();
  }

  async #trySeal(wait: boolean): Promise<boolean> {
    const ours = this.#head;
    const unpublished = ours.seq > this.#publishedSeq;
    // Our newest head first, committed on its own: a writer holding the seal lock may seal it then,
    // and no row lock of ours is held while we wait for that lock (the holder updates every
    // writer's row it seals: holding ours while waiting for it would deadlock).
    if (unpublished) await this.#pool.query(this.#publishSql("$1::uuid", "$2", "$3", "$4::uuid"), [this.#writer, ours.seq, ours.mac, ours.runId]);
    const sealed = await inTransaction(this.#pool, async (client) => {
      if (!(await this.#takeSealLock(client, wait))) return false;
      const heads = await this.#unsealedHeads(client);
      if (heads.length === 0) return true;
      const seal = makeSeal(this.#key, await this.#sealTail(client), heads);
      await client.query(`INSERT INTO ${this.#tables.seals} (seq, entry) VALUES ($1, $2)`, [seal.seq, writerEntryText(seal)]);
      await client.query(
        `UPDATE ${this.#tables.writers} AS w SET sealed_seq = v.seq FROM unnest($1::uuid[], $2::bigint[]) AS v(writer, seq) WHERE w.writer = v.writer`,
        [seal.heads.map((head) => head[0]), seal.heads.map((head) => head[1])],
      );
      return true;
    });
    if (unpublished) this.#publishedSeq = Math.max(this.#publishedSeq, ours.seq);
    if (sealed && this.#head === ours) this.#unsealed = false;
    return sealed;
  }

  /**
   * Takes the seal lock for this transaction: at once or not at all, or (`wait`) within
   * SEAL_WAIT_MS. A timed-out wait is rolled back to a savepoint, so the head written before stays.
   */
  async #takeSealLock(client: PoolClient, wait: boolean): Promise<boolean> {
    if (!wait) {
      const { rows } = await client.query<{ got: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext($1)) AS got", [this.#lockName]);
      return rows[0]?.got === true;
    }
    await client.query("SAVEPOINT enact_seal_lock");
    try {
      await client.query(`SET LOCAL lock_timeout = ${SEAL_WAIT_MS}`);
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.#lockName]);
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "55P03") throw error;
      await client.query("ROLLBACK TO SAVEPOINT enact_seal_lock");
      return false;
    }
  }

  /**
   * The heads of chains that grew since their last seal, each checked against its entry: in its
   * receipt's row (found by the head's run id, the primary key), or for a head written before the
   * single-row layout (no run id), in the entries table.
   */
  async #unsealedHeads(client: PoolClient): Promise<SealedHead[]> {
    const { rows } = await client.query<{ writer: string; head_seq: string; head_mac: string; entry: string | null }>(
      `SELECT w.writer::text AS writer, w.head_seq::text AS head_seq, w.head_mac, coalesce(r.entry, e.entry) AS entry FROM ${this.#tables.writers} w
       LEFT JOIN ${this.#tables.receipts} r ON r.run_id = w.head_run_id
       LEFT JOIN ${this.#tables.entries} e ON w.head_run_id IS NULL AND e.writer = w.writer AND e.seq = w.head_seq
       WHERE w.head_seq > w.sealed_seq ORDER BY w.writer`,
    );
    const heads: SealedHead[] = [];
    for (const row of rows) {
      // The writers table is only a hint: a seal vouches for nothing but authentic entries.
      const entry = row.entry === null ? undefined : openWriterEntry(this.#key, parse(row.entry));
      if (typeof entry !== "object" || entry.writer !== row.writer || String(entry.seq) !== row.head_seq || entry.mac !== row.head_mac) continue;
      heads.push([entry.writer, entry.seq, entry.mac]);
    }
    return heads;
  }

  async #sealTail(client: PoolClient): Promise<JournalHead> {
    // Ordered by the column, not by its text (where "9" comes after "10").
    const { rows } = await client.query<{ seq: string; entry: string }>(
      `SELECT s.seq::text AS seq, s.entry FROM ${this.#tables.seals} s ORDER BY s.seq DESC LIMIT 1`,
    );
    const row = rows[0];
    if (row === undefined) return EMPTY_HEAD;
    const seal = openSeal(this.#key, parse(row.entry));
    const where = `${this.#tables.seals} row ${row.seq}`;
    if (typeof seal === "string") throw new JournalDamagedError(where, seal);
    if (String(seal.seq) !== row.seq) throw new JournalDamagedError(where, `holds seal ${seal.seq}`);
    return { seq: seal.seq, mac: seal.mac };
  }
}

/** A statement's text and the name it is prepared under. */
interface Statement {
  name: string;
  text: string;
}

function statement(text: string): Statement {
  return { name: `enact_${sha256Hex(text).slice(0, 32)}`, text };
}

function ignore(): void {}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "23505";
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
