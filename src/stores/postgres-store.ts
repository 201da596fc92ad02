import { sha256Hex } from "../sha256.js";
import { parseStrictJson } from "../strict-json.js";
import { inTransaction } from "./pg-transaction.js";
import type { Pool, PoolClient } from "pg";
import { ConfigurationError, CorruptReceiptError, StoreUnavailableError } from "../errors.js";
import type { JournalKey } from "../journal/key.js";
import { journalTablesDdl, PostgresJournal, RECEIPT_ENTRY_COLUMNS_DDL, type ReceiptRow as JournalReceiptRow } from "../journal/postgres-journal.js";
import { postgresTables, type PostgresTables } from "./postgres-tables.js";
import { JournalSlot, type JournalOptions } from "../journal/slot.js";
import type { Receipt } from "../models.js";
import { loadPeer } from "../peer.js";
import {
  assertColumns,
  CLAIM_COLUMNS,
  columnTypes,
  JOURNAL_COLUMNS,
  RECEIPT_COLUMNS,
  RECEIPT_ENTRY_COLUMNS,
  WRITER_ENTRY_COLUMNS,
  SEAL_COLUMNS,
  WRITER_COLUMNS,
  WRITER_HEAD_COLUMNS,
} from "./postgres-columns.js";
import { isConnectionFault, retryConnectionFaults } from "./pg-faults.js";
import type { ClaimState, IdempotencyClaim, ReceiptFilter, ReceiptStore } from "./receipt-store.js";
import { StoreDamagedError } from "./store-damaged-error.js";
import { PostgresControl } from "./postgres-control.js";
import type { CutoutState } from "../approvals/cutout-window.js";
import type { ApprovalStage, ApprovalStages } from "./receipt-store.js";

/** How to reach the database, and where in it the tables live. */
export interface PostgresReceiptStoreOptions extends JournalOptions {
  /** Default `process.env.DATABASE_URL`. Ignored when `pool` is given. */
  connectionString?: string;
  /**
   * A ready `pg.Pool`; the store then never ends it. Give it an `'error'` listener: a pool without
   * one crashes the process when the server drops an idle connection (restart, failover).
   */
  pool?: Pool;
  /** Prefix of the two tables' names. Default `"enact_"`: `enact_receipts`, `enact_idempotency_keys`. */
  tablePrefix?: string;
  /** Schema of the tables. Default: the connection's search path (usually `public`). */
  schema?: string;
  /**
   * How long after a write the store seals the journal's chains (see README, *Receipt stores*),
   * in ms. Default 1000. `flush()` and `close()` seal at once. `Infinity`: only those.
   */
  sealIntervalMs?: number;
  /**
   * Keep one pooled connection checked out for the journal's appends (they run one at a time)
   * instead of checking one out per receipt; given back after 1 s without an append, on a
   * connection fault and by `close()`, and never held from a pool of one connection. Default
   * true: it saves Node CPU per run, which is what limits a fleet of processes on few cores
   * (measured: 8 processes on 2 cores went from about 0.54x to 0.63-0.67x the rate of bare
   * INSERTs). `false` checks a connection out per append.
   */
  holdAppendConnection?: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

/**
 * Receipts and idempotency claims in Postgres, for fleets of agents on many machines. The tables
 * are created if missing (see README, *Receipt stores*). Each receipt is kept as the exact JSON
 * text that was signed, so it verifies when read back; workflow, actor, decision, time and key are
 * also columns, indexed for `list()`. Claims are guarded by the key's primary key: of any number
 * of concurrent claimers on any number of machines, one wins.
 *
 * A dropped connection (restart, failover, `pg_terminate_backend`) never crashes the process:
 * every operation is retried on a new connection for about 4 s (writes are idempotent by run
 * id), and after an operation failed `assertWritable()` probes the database, so runs are refused
 * before their workflow executes while it stays unreachable.
 *
 * @example
 * const store = new PostgresReceiptStore({ connectionString: process.env.DATABASE_URL });
 * const enact = new EnactClient({ ..., receiptStore: store });
 */
export class PostgresReceiptStore implements ReceiptStore {
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #receipts: string;
  readonly #claims: string;
  readonly #tables: PostgresTables;
  readonly #prefix: string;
  #ready: Promise<void> | undefined;
  #migrated = false;
  // Whether the last operation failed to reach the database: assertWritable() then probes it.
  #faulted = false;
  // Tamper-evident journal (issues 8, 22): a chain per writer, and seals over them; see PostgresJournal.
  readonly #journal: JournalSlot<PostgresJournal>;
  // Approvals, kill switch and thermal cutouts (issue 23): tables of their own, same schema and prefix.
  readonly #control: PostgresControl;

  constructor(options: PostgresReceiptStoreOptions = {}) {
    const prefix = options.tablePrefix ?? "enact_";
    if (!NAME.test(prefix) || (options.schema !== undefined && !NAME.test(options.schema))) {
      throw new ConfigurationError("tablePrefix and schema must be plain SQL names (letters, digits, _).");
    }
    const sealIntervalMs = options.sealIntervalMs;
    if (sealIntervalMs !== undefined && !(sealIntervalMs > 0)) {
      throw new ConfigurationError(`sealIntervalMs must be a positive number of milliseconds (or Infinity), got ${String(sealIntervalMs)}.`);
    }
    const qualify = (table: string) => (options.schema === undefined ? `"${table}"` : `"${options.schema}"."${table}"`);
    this.#prefix = prefix;
    this.#tables = postgresTables(options);
    this.#receipts = this.#tables.receipts;
    this.#claims = qualify(`${prefix}idempotency_keys`);
    if (options.pool !== undefined) {
      this.#pool = options.pool;
      this.#ownsPool = false;
    } else {
      const connectionString = options.connectionString ?? process.env.DATABASE_URL;
      if (connectionString === undefined || connectionString === "") {
        throw new ConfigurationError("PostgresReceiptStore needs a connectionString, DATABASE_URL, or a pool.");
      }
      const pg = loadPeer<typeof import("pg")>("pg", "enact-sdk/connectors/postgres");
      // A server that never answers must not hang a run: give up on connecting after 10 s.
      this.#pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 10_000 });
      this.#ownsPool = true;
      // The server dropping an idle connection emits 'error' on the pool; unheard, it would crash
      // the process. The pool discards that client, and the next operation connects afresh.
      this.#pool.on("error", () => undefined);
    }
    this.#journal = new JournalSlot(options, (key) => new PostgresJournal(this.#pool, this.#tables, key, { sealIntervalMs, holdClient: options.holdAppendConnection !== false }));
    this.#control = new PostgresControl(this.#pool, (name) => qualify(`${prefix}${name}`));
  }

  /** Called by `EnactClient` with the journal key derived from its secret. */
  attachJournal(key: JournalKey): void {
    this.#journal.attach(key);
  }

  /** Creates the tables and indexes if they are missing. Called on first use; safe to call again. */
  migrate(): Promise<void> {
    this.#ready ??= inTransaction(this.#pool, async (client) => {
      // Several processes may start at once; CREATE ... IF NOT EXISTS alone can still collide.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('enact-sdk:receipt-store:migrate'))");
      const p = this.#prefix;
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.#receipts} (
          run_id uuid PRIMARY KEY,
          workflow text NOT NULL,
          actor_email text NOT NULL,
          decision text NOT NULL,
          created_at timestamptz NOT NULL,
          idempotency_key_sha256 text,
          receipt text NOT NULL,
          ${RECEIPT_ENTRY_COLUMNS_DDL}
        );
        CREATE INDEX IF NOT EXISTS "${p}receipts_workflow_idx" ON ${this.#receipts} (workflow, created_at);
        CREATE INDEX IF NOT EXISTS "${p}receipts_actor_idx" ON ${this.#receipts} (actor_email, created_at);
        CREATE INDEX IF NOT EXISTS "${p}receipts_time_idx" ON ${this.#receipts} (created_at, run_id);
        CREATE INDEX IF NOT EXISTS "${p}receipts_key_idx" ON ${this.#receipts} (idempotency_key_sha256);
        CREATE TABLE IF NOT EXISTS ${this.#claims} (
          key_sha256 text PRIMARY KEY,
          key text NOT NULL,
          fingerprint text NOT NULL,
          run_id uuid NOT NULL,
          state text NOT NULL CHECK (state IN ('claimed', 'executing', 'completed')),
          owner text NOT NULL,
          workflow text NOT NULL,
          actor_email text NOT NULL,
          payload text NOT NULL,
          claimed_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        );
        ${journalTablesDdl(this.#tables)}`);
      await this.#addJournalColumns(client);
      // Tables altered since they were created (e.g. receipt made jsonb) would store or return
      // other text than was signed: refuse them rather than write into them.
      await assertColumns(client, this.#receipts, { ...RECEIPT_COLUMNS, ...RECEIPT_ENTRY_COLUMNS });
      await assertColumns(client, this.#claims, CLAIM_COLUMNS);
      // A v1 journal (one chain, before per-writer chains) is kept and verified, never written.
      await assertColumns(client, this.#tables.journal, JOURNAL_COLUMNS);
      await assertColumns(client, this.#tables.entries, WRITER_ENTRY_COLUMNS);
      await assertColumns(client, this.#tables.writers, { ...WRITER_COLUMNS, ...WRITER_HEAD_COLUMNS });
      await assertColumns(client, this.#tables.seals, SEAL_COLUMNS);
    }).then(
      () => {
        this.#migrated = true;
      },
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  /**
   * Upgrades a store created before the single-row layout: the journal columns of the receipts
   * table and the head's run id of the writers table, nullable, so adding them rewrites no row.
   * ALTER TABLE takes the table's strongest lock even when the column exists: only when missing.
   */
  async #addJournalColumns(client: PoolClient): Promise<void> {
    const receipts = await columnTypes(client, this.#receipts);
    if (!receipts.has("entry")) {
      await client.query(`ALTER TABLE ${this.#receipts} ADD COLUMN IF NOT EXISTS writer uuid, ADD COLUMN IF NOT EXISTS seq bigint, ADD COLUMN IF NOT EXISTS entry text`);
    }
    const writers = await columnTypes(client, this.#tables.writers);
    if (!writers.has("head_run_id")) await client.query(`ALTER TABLE ${this.#tables.writers} ADD COLUMN IF NOT EXISTS head_run_id uuid`);
  }

  /**
   * Rejects with StoreUnavailableError when a receipt could not be written now. No round trip
   * while the tables are known and the last operation succeeded; after a failure, one probe query.
   */
  assertWritable(): Promise<void> | undefined {
    if (this.#migrated && !this.#faulted) return undefined;
    return this.#probe();
  }

  async #probe(): Promise<void> {
    try {
      const migrated = this.#migrated;
      await this.migrate();
      if (migrated) await this.#pool.query("SELECT 1");
      this.#faulted = false;
    } catch (error) {
      const unreachable = isConnectionFault(error);
      if (unreachable) this.#faulted = true;
      throw new StoreUnavailableError(unreachable ? `the database did not answer: ${describe(error)}` : describe(error), { cause: error });
    }
  }

  /**
   * Runs one operation, retrying it on a new connection when the connection failed (see
   * retryConnectionFaults), and remembers whether the database was reachable.
   */
  #reaching<T>(attempt: (n: number) => Promise<T>): Promise<T> {
    return this.#observed(
      retryConnectionFaults(async (n) => {
        await this.migrate();
        return attempt(n);
      }),
    );
  }

  /** Settles with `operation`, remembering whether the database was reachable. */
  async #observed<T>(operation: Promise<T>): Promise<T> {
    try {
      const result = await operation;
      this.#faulted = false;
      return result;
    } catch (error) {
      if (isConnectionFault(error)) this.#faulted = true;
      throw error;
    }
  }

  async write(receipt: Receipt, json?: string): Promise<string> {
    const journal = this.#journal.journal;
    const row: JournalReceiptRow = {
      runId: receipt.runId,
      signature: receipt.signature,
      workflow: column(receipt.workflow),
      actorEmail: column(receipt.actorEmail),
      decision: receipt.decision,
      createdAt: receipt.timestamp,
      keySha256: receipt.idempotencyKey === undefined ? null : keyHash(receipt.idempotencyKey),
      text: json ?? JSON.stringify(receipt),
    };
    // The journal retries a statement whose connection dropped, once it knows it did not commit.
    // Once the tables are known (every write but the first), straight to the journal: no promise
    // chain per receipt for a migration that is done.
    if (!this.#migrated) {
      await this.#observed(retryConnectionFaults(() => this.migrate()).then(() => journal.record(row)));
      return `postgres:${receipt.runId}`;
    }
    // #observed inline: one async layer less per receipt.
    try {
      await journal.record(row);
    } catch (error) {
      if (isConnectionFault(error)) this.#faulted = true;
      throw error;
    }
    this.#faulted = false;
    return `postgres:${receipt.runId}`;
  }

  /** Waits for every receipt handed to `write()`, then seals the journal's chains (unless another writer is sealing). */
  async flush(): Promise<void> {
    const journal = this.#journal.opened;
    if (journal === undefined) return;
    // A store that has not written yet may not have its journal's tables: sealing would fail on them.
    await retryConnectionFaults(() => this.migrate());
    await journal.flush();
  }

  async load(runId: string): Promise<Receipt | undefined> {
    if (!/^[0-9a-fA-F-]{36}$/.test(runId)) return undefined;
    const { rows } = await this.#reaching(() =>
      this.#pool.query<ReceiptRow>(`SELECT run_id, receipt FROM ${this.#receipts} WHERE run_id = $1`, [runId]),
    );
    return rows[0] === undefined ? undefined : this.#parseRow(rows[0]);
  }

  async list(filter: ReceiptFilter = {}): Promise<Receipt[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      conditions.push(sql.replace("?", `$${values.length}`));
    };
    if (filter.workflow !== undefined) add("workflow = ?", column(filter.workflow));
    if (filter.actorEmail !== undefined) add("actor_email = ?", column(filter.actorEmail));
    if (filter.decision !== undefined) add("decision = ?", filter.decision);
    if (filter.since !== undefined) add("created_at >= ?", filter.since);
    if (filter.until !== undefined) add("created_at < ?", filter.until);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
    const { rows } = await this.#reaching(() =>
      this.#pool.query<ReceiptRow>(`SELECT run_id, receipt FROM ${this.#receipts} ${where} ORDER BY created_at, run_id`, values),
    );
    const receipts = rows.map((row) => this.#parseRow(row));
    // Not a column: the digest is read from the signed receipt itself.
    const digest = filter.policySetDigest;
    return digest === undefined ? receipts : receipts.filter((receipt) => receipt.policySet?.digest === digest);
  }

  async claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined> {
    const inserted = await this.#reaching(() => this.#pool.query(
      `INSERT INTO ${this.#claims} (key_sha256, key, fingerprint, run_id, state, owner, workflow, actor_email, payload, claimed_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (key_sha256) DO NOTHING`,
      [
        keyHash(claim.key),
        JSON.stringify(claim.key),
        claim.fingerprint,
        claim.runId,
        claim.state,
        claim.owner,
        JSON.stringify(claim.workflow),
        JSON.stringify(claim.actorEmail),
        JSON.stringify(claim.payload),
        claim.claimedAt,
        claim.updatedAt,
      ],
    ));
    if (inserted.rowCount === 1) return undefined;
    const holder = await this.getClaim(claim.key);
    // Released between our insert and this read: the key is free again, so try once more.
    if (holder === undefined) return this.claim(claim);
    // Our own insert, retried after its connection dropped once it had committed: we hold the key.
    return holder.runId === claim.runId ? undefined : holder;
  }

  async updateClaim(key: string, runId: string, state: ClaimState): Promise<void> {
    await this.#reaching(() =>
      this.#pool.query(`UPDATE ${this.#claims} SET state = $3, updated_at = now() WHERE key_sha256 = $1 AND run_id = $2`, [keyHash(key), runId, state]),
    );
  }

  async getClaim(key: string): Promise<IdempotencyClaim | undefined> {
    const { rows } = await this.#reaching(() => this.#pool.query<ClaimRow>(`SELECT * FROM ${this.#claims} WHERE key_sha256 = $1`, [keyHash(key)]));
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async releaseClaim(key: string, runId: string): Promise<boolean> {
    const { rowCount } = await this.#reaching(() =>
      this.#pool.query(`DELETE FROM ${this.#claims} WHERE key_sha256 = $1 AND run_id = $2`, [keyHash(key), runId]),
    );
    return rowCount === 1;
  }

  /** Seals what this store wrote since the last seal, and ends the pool if the store created it. */
  async close(): Promise<void> {
    // A store that cannot reach the database does not hold up closing for a seal.
    await this.#journal.opened?.close({ seal: !this.#faulted });
    if (this.#ownsPool) await this.#pool.end();
  }

  #parseRow(row: ReceiptRow): Receipt {
    // A jsonb column hands back an object, no longer the text that was signed.
    if (typeof row.receipt !== "string") throw new StoreDamagedError(`table ${this.#receipts}`, "its column receipt is not text");
    return parseRow(row.run_id, row.receipt);
  }

  // --- approvals, kill switch, thermal cutouts (issue 23): tables of their own, see PostgresControl ---

  putApprovalStage(id: string, stage: ApprovalStage, json: string): Promise<boolean> {
    return this.#control.putApprovalStage(id, stage, json);
  }

  getApprovalStages(id: string): Promise<ApprovalStages> {
    return this.#control.getApprovalStages(id);
  }

  listApprovals(): Promise<ApprovalStages[]> {
    return this.#control.listApprovals();
  }

  setHalt(json: string): Promise<void> {
    return this.#control.setHalt(json);
  }

  getHalt(): Promise<string | undefined> {
    return this.#control.getHalt();
  }

  updateCutout<T>(key: string, update: (current: CutoutState | undefined) => [CutoutState, T]): Promise<T> {
    return this.#control.updateCutout(key, update);
  }
}

interface ReceiptRow {
  run_id: string;
  receipt: unknown;
}

interface ClaimRow {
  key: string;
  fingerprint: string;
  run_id: string;
  state: ClaimState;
  owner: string;
  workflow: string;
  actor_email: string;
  payload: string;
  claimed_at: Date;
  updated_at: Date;
}

function parseRow(runId: string, text: string): Receipt {
  try {
    return parseStrictJson(text) as Receipt;
  } catch (error) {
    throw new CorruptReceiptError(`postgres:${runId}`, error);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  // A SQLSTATE or errno tells an operator what failed; Enact's own error codes add nothing.
  return typeof code === "string" && !code.startsWith("ENACT_") ? `${error.message} (${code})` : error.message;
}

// Postgres text cannot hold U+0000: keys, workflow and actor are kept as JSON strings in claims,
// and filter columns of receipts replace it. The receipt itself is the exact JSON that was signed.
function keyHash(key: string): string {
  return sha256Hex(key);
}

function column(text: string): string {
  return text.replaceAll("\u0000", "\uFFFD");
}

function fromRow(row: ClaimRow): IdempotencyClaim {
  return {
    key: JSON.parse(row.key) as string,
    fingerprint: row.fingerprint,
    runId: row.run_id,
    state: row.state,
    owner: row.owner,
    workflow: JSON.parse(row.workflow) as string,
    actorEmail: JSON.parse(row.actor_email) as string,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    claimedAt: row.claimed_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
