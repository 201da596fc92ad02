import { sha256Hex } from "../sha256.js";
import type { Pool, PoolClient, QueryResult, QueryResultRow } from "pg";
import { parseCutoutState, type CutoutState } from "../approvals/cutout-window.js";
import { retryConnectionFaults } from "./pg-faults.js";
import { inTransaction } from "./pg-transaction.js";
import type { ApprovalStage, ApprovalStages } from "./receipt-store.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Approval records, the kill switch and thermal-cutout counters of a `PostgresReceiptStore`, in
 * three tables of their own next to its receipts: `<prefix>approvals` (one row per stage, its
 * primary key making each stage write-once), `<prefix>control` (the halt record) and
 * `<prefix>cutout` (one row per cutout key, updated under `SELECT ... FOR UPDATE`). Every machine
 * sharing the database shares them. The tables are created by the first write: reading (every
 * client reads the kill switch) never creates them, and a table not there yet reads as empty.
 * Reads are retried on a new connection when one drops, as the receipt store's are; writes are
 * not (a lost answer then reads as "not written": fail closed).
 */
export class PostgresControl {
  readonly #pool: Pool;
  readonly #approvals: string;
  readonly #control: string;
  readonly #cutout: string;
  #ready: Promise<void> | undefined;

  /** `table(name)` qualifies a table name as the receipt store does (prefix and schema). */
  constructor(pool: Pool, table: (name: string) => string) {
    this.#pool = pool;
    this.#approvals = table("approvals");
    this.#control = table("control");
    this.#cutout = table("cutout");
  }

  /** Creates the three tables if missing. Called on first use; safe to call again. */
  migrate(): Promise<void> {
    // One multi-statement query runs as one implicit transaction, holding the advisory lock to its
    // end, so processes starting together do not collide on CREATE ... IF NOT EXISTS.
    this.#ready ??= this.#pool
      .query(
        `SELECT pg_advisory_xact_lock(hashtext('enact-sdk:receipt-store:migrate-control'));
        CREATE TABLE IF NOT EXISTS ${this.#approvals} (
          id uuid NOT NULL,
          stage text NOT NULL CHECK (stage IN ('request', 'decision', 'use')),
          record text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (id, stage)
        );
        CREATE TABLE IF NOT EXISTS ${this.#control} (name text PRIMARY KEY, record text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS ${this.#cutout} (key_sha256 text PRIMARY KEY, state text);`,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          this.#ready = undefined;
          throw error;
        },
      );
    return this.#ready;
  }

  async putApprovalStage(id: string, stage: ApprovalStage, json: string): Promise<boolean> {
    if (!UUID.test(id)) throw new TypeError(`An approval id must be a lowercase UUID, got ${JSON.stringify(id)}`);
    await this.migrate();
    const { rowCount } = await this.#pool.query(
      `INSERT INTO ${this.#approvals} (id, stage, record) VALUES ($1, $2, $3) ON CONFLICT (id, stage) DO NOTHING`,
      [id, stage, json],
    );
    return rowCount === 1;
  }

  async getApprovalStages(id: string): Promise<ApprovalStages> {
    if (!UUID.test(id)) return {};
    const rows = await this.#read((client) => client.query<{ stage: ApprovalStage; record: string }>(`SELECT stage, record FROM ${this.#approvals} WHERE id = $1`, [id]));
    return Object.fromEntries(rows.map((row) => [row.stage, row.record])) as ApprovalStages;
  }

  async listApprovals(): Promise<ApprovalStages[]> {
    const rows = await this.#read((client) =>
      client.query<{ id: string; stage: ApprovalStage; record: string }>(
        `SELECT id, stage, record FROM ${this.#approvals} WHERE id IN (SELECT id FROM ${this.#approvals} WHERE stage = 'request') ORDER BY id`,
      ),
    );
    const byId = new Map<string, ApprovalStages>();
    for (const row of rows) byId.set(row.id, { ...byId.get(row.id), [row.stage]: row.record });
    return [...byId.values()];
  }

  async setHalt(json: string): Promise<void> {
    await this.migrate();
    await this.#pool.query(
      `INSERT INTO ${this.#control} (name, record) VALUES ('halt', $1) ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record, updated_at = now()`,
      [json],
    );
  }

  async getHalt(): Promise<string | undefined> {
    const rows = await this.#read((client) => client.query<{ record: string }>(`SELECT record FROM ${this.#control} WHERE name = 'halt'`));
    return rows[0]?.record;
  }

  async updateCutout<T>(key: string, update: (current: CutoutState | undefined) => [CutoutState, T]): Promise<T> {
    await this.migrate();
    const hash = sha256Hex(key);
    return inTransaction(this.#pool, async (client) => {
      await client.query(`INSERT INTO ${this.#cutout} (key_sha256, state) VALUES ($1, NULL) ON CONFLICT (key_sha256) DO NOTHING`, [hash]);
      // The row lock serializes every machine's read-modify-write of this key.
      const { rows } = await client.query<{ state: string | null }>(`SELECT state FROM ${this.#cutout} WHERE key_sha256 = $1 FOR UPDATE`, [hash]);
      const text = rows[0]?.state;
      const [next, result] = update(typeof text === "string" ? parseCutoutState(text) : undefined);
      await client.query(`UPDATE ${this.#cutout} SET state = $2 WHERE key_sha256 = $1`, [hash, JSON.stringify(next)]);
      return result;
    });
  }

  /**
   * The rows `query` reads; none while its table does not exist yet (SQLSTATE 42P01). On a client
   * of its own: `pool.query` drops a client whose query failed, and the kill switch is read before
   * every client's first run, on stores that may never have had a control table.
   */
  #read<R extends QueryResultRow>(query: (client: PoolClient) => Promise<QueryResult<R>>): Promise<R[]> {
    return retryConnectionFaults(async () => {
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      try {
        return (await query(client)).rows;
      } catch (error) {
        if ((error as { code?: unknown }).code === "42P01") return [];
        // Any other failure may have left the connection unusable: the pool drops it.
        broken = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }
}
