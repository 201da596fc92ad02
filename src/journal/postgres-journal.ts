import type { Pool, PoolClient } from "pg";
import { inTransaction } from "../stores/pg-transaction.js";
import type { Receipt } from "../models.js";
import { chainEntries, EMPTY_HEAD, entryLine, openEntry, type JournalEntry, type JournalHead } from "./entry.js";
import { JournalDamagedError } from "./errors.js";
import type { JournalKey } from "./key.js";

/** Inserts one receipt row inside the journal's transaction; rejects to refuse that receipt alone. */
export type InsertReceipt = (client: PoolClient) => Promise<void>;

interface Pending {
  receipt: Receipt;
  insert: InsertReceipt;
  resolve: (entry: JournalEntry) => void;
  reject: (error: unknown) => void;
}

/** Most receipts one transaction stores. */
const MAX_BATCH = 500;

/**
 * The journal of a Postgres receipt store: table `<prefix>journal (seq bigint PRIMARY KEY, entry
 * text)`, one row per receipt, the same chained entries as the file journal.
 *
 * A receipt row and its journal entry are written in one transaction, so neither exists without
 * the other. Appends are serialized across every process and machine by a transaction-scoped
 * advisory lock taken just before the tail is read; the `seq` primary key is a second guard,
 * so the chain cannot fork even if the lock were bypassed. Within a process, receipts that
 * arrive while a transaction is running are queued and stored together by the next one (each
 * under a savepoint, so a duplicate run id refuses only its own receipt).
 */
export class PostgresJournal {
  readonly #pool: Pool;
  readonly #table: string;
  readonly #lockName: string;
  readonly #key: JournalKey;
  #pending: Pending[] = [];
  #flushing = false;
  #ready: Promise<void> | undefined;

  /** `table` is the journal table's quoted, possibly schema-qualified name. */
  constructor(pool: Pool, table: string, key: JournalKey) {
    this.#pool = pool;
    this.#table = table;
    this.#lockName = `enact-sdk:journal:${table}`;
    this.#key = key;
  }

  /** Stores `receipt` with `insert` and journals it, atomically; resolves with its entry. */
  record(receipt: Receipt, insert: InsertReceipt): Promise<JournalEntry> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ receipt, insert, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  /** Creates the journal table if it is missing. */
  migrate(): Promise<void> {
    this.#ready ??= inTransaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`${this.#lockName}:migrate`]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.#table} (seq bigint PRIMARY KEY, entry text NOT NULL)`);
    }).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, MAX_BATCH);
        try {
          await this.migrate();
          await this.#store(batch);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #store(batch: Pending[]): Promise<void> {
    let stored: { pending: Pending; entry: JournalEntry }[] = [];
    const refused: { pending: Pending; error: unknown }[] = [];
    await inTransaction(this.#pool, async (client) => {
      const accepted: Pending[] = [];
      for (const pending of batch) {
        await client.query("SAVEPOINT enact_receipt");
        try {
          await pending.insert(client);
          await client.query("RELEASE SAVEPOINT enact_receipt");
          accepted.push(pending);
        } catch (error) {
          await client.query("ROLLBACK TO SAVEPOINT enact_receipt");
          refused.push({ pending, error });
        }
      }
      if (accepted.length === 0) return;
      // Held until COMMIT: nobody else reads the tail or appends until our entries are visible.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.#lockName]);
      const entries = chainEntries(
        this.#key,
        await this.#tail(client),
        accepted.map(({ receipt }) => ({ runId: receipt.runId, signature: receipt.signature })),
      );
      await client.query(
        `INSERT INTO ${this.#table} (seq, entry) SELECT * FROM unnest($1::bigint[], $2::text[])`,
        [entries.map((entry) => entry.seq), entries.map((entry) => entryLine(entry).trimEnd())],
      );
      stored = accepted.map((pending, index) => ({ pending, entry: entries[index] as JournalEntry }));
    });
    for (const { pending, entry } of stored) pending.resolve(entry);
    for (const { pending, error } of refused) pending.reject(error);
  }

  async #tail(client: PoolClient): Promise<JournalHead> {
    const { rows } = await client.query<{ seq: string; entry: string }>(`SELECT seq, entry FROM ${this.#table} ORDER BY seq DESC LIMIT 1`);
    const row = rows[0];
    if (row === undefined) return EMPTY_HEAD;
    const where = `${this.#table} row ${row.seq}`;
    let raw: unknown;
    try {
      raw = JSON.parse(row.entry);
    } catch {
      throw new JournalDamagedError(where, "is not JSON");
    }
    const entry = openEntry(this.#key, raw);
    if (typeof entry === "string") throw new JournalDamagedError(where, entry);
    if (String(entry.seq) !== row.seq) throw new JournalDamagedError(where, `holds entry ${entry.seq}`);
    return { seq: entry.seq, mac: entry.mac };
  }
}
