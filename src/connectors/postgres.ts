import type { Pool, PoolClient, PoolConfig, QueryConfig, QueryResult } from "pg";
import { ConfigurationError } from "../errors.js";
import type { ActionResult } from "../models.js";
import { loadPeer } from "../peer.js";
import { Allowlist } from "./allowlist.js";
import { failed, succeeded } from "./action-result.js";
import { describeDatabaseError, passwordsIn } from "./postgres/errors.js";
import { InvalidInputError, parseTableName, quoteIdentifier, type TableName } from "./postgres/identifiers.js";
import { insertedKeys, primaryKeyOf, primaryKeyStatement } from "./postgres/primary-key.js";
import {
  deleteStatement,
  insertStatement,
  lockRowsStatement,
  selectStatement,
  updateStatement,
  type Statement,
} from "./postgres/statements.js";
import { planUndo } from "./postgres/undo.js";
import { connectorTypes, rowToJson, type JsonRow } from "./postgres/values.js";
import { notUndoable, type UndoContext, type Undoable } from "../rollback/undoable.js";
import type {
  DeleteRowInput,
  InsertRowIfAbsentInput,
  InsertRowInput,
  SelectRowsInput,
  UpdateRowInput,
} from "./postgres/inputs.js";

export { startEmbeddedPostgres } from "./postgres/embedded.js";
export { PostgresReceiptStore } from "../stores/postgres-store.js";
export { StoreDamagedError } from "../stores/store-damaged-error.js";
export type { PostgresReceiptStoreOptions } from "../stores/postgres-store.js";
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from "./postgres/embedded.js";
export type { PostgresRollbackData } from "./postgres/primary-key.js";
export type { JsonRow } from "./postgres/values.js";
export type {
  DeleteRowInput,
  InsertRowIfAbsentInput,
  InsertRowInput,
  SelectRowsInput,
  UpdateRowInput,
} from "./postgres/inputs.js";
export { MAX_LIMIT } from "./postgres/statements.js";

const pg = loadPeer<typeof import("pg")>("pg", "enact-sdk/connectors/postgres");

const SYSTEM = "postgres";

/** Every action the Postgres connector knows, as allowlists and receipts name them. */
export const POSTGRES_ACTIONS = [
  "insert_row",
  "update_row",
  "select_rows",
  "delete_row",
  // Undo actions (see `undo`); allowlisted like any other, so they can be allowed or denied.
  "delete_inserted_rows",
  "restore_rows",
  "reinsert_rows",
] as const;
/** One of `POSTGRES_ACTIONS`. */
export type PostgresAction = (typeof POSTGRES_ACTIONS)[number];

/** How to reach the database and what the agent may do there. */
export interface PostgresConnectorOptions {
  /** A libpq URL (`postgres://user:pass@host:5432/db?sslmode=require`). Default: `DATABASE_URL`. */
  connectionString?: string;
  /** A ready pool to use instead. The connector never ends a pool it did not create. */
  pool?: Pool;
  /**
   * Extra settings for the pool the connector creates (`max`, `ssl`, `application_name`,
   * `statement_timeout`, ...). `connectionTimeoutMillis` defaults to 10,000.
   */
  poolConfig?: Omit<PoolConfig, "connectionString">;
  /** Actions the agent may use. Default: all of `POSTGRES_ACTIONS`; `[]` allows none. */
  allowedActions?: readonly string[];
}

/**
 * Postgres behind an allowlist: row-level insert, update, select and delete on any
 * Postgres-compatible host (Supabase, Neon, RDS, local). Names are checked and quoted, values are
 * always bound parameters, outputs are plain JSON, and database failures come back as
 * `success: false` results, never exceptions. One pool per connector.
 *
 * @example
 * const postgres = new PostgresConnector({
 *   connectionString: process.env.DATABASE_URL,
 *   allowedActions: ["insert_row", "select_rows"],
 * });
 * const result = await postgres.insertRow({ table: "leads", data: { email: "jane@example.com" } });
 * await postgres.close();
 */
export class PostgresConnector implements Undoable {
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #allowlist: Allowlist<PostgresAction>;
  readonly #secrets: string[];
  readonly #types = connectorTypes(pg.types);
  // Primary-key columns by table, looked up once: an insert's rollback data needs them, and the
  // catalog query would otherwise double the cost of every insert. A stale entry cannot make a
  // rollback delete the wrong row: the undo of an insert also matches the whole inserted row.
  readonly #primaryKeys = new Map<string, string[]>();
  // One frozen { text, types } per statement text, shared by every query of that text (see #template).
  readonly #templates = new Map<string, QueryConfig>();
  // Columns (table and name) whose type has no hash function: insertRowIfAbsent locks them whole.
  readonly #unhashedColumns = new Set<string>();
  #closed = false;
  #ending: Promise<void> | undefined;

  constructor(options: PostgresConnectorOptions = {}) {
    this.#allowlist = new Allowlist(SYSTEM, POSTGRES_ACTIONS, options.allowedActions);
    if (options.pool !== undefined && options.connectionString !== undefined) {
      throw new ConfigurationError("PostgresConnector takes either connectionString or pool, not both.");
    }
    if (options.pool !== undefined) {
      this.#pool = options.pool;
      this.#ownsPool = false;
      this.#secrets = secretStrings([(options.pool.options as { password?: unknown } | undefined)?.password]);
      return;
    }
    const connectionString = options.connectionString ?? process.env.DATABASE_URL;
    if (connectionString === undefined || connectionString.trim() === "") {
      throw new ConfigurationError(
        "PostgresConnector needs a database: pass connectionString, set DATABASE_URL, or pass a pg Pool as pool.",
      );
    }
    this.#secrets = secretStrings([...passwordsIn(connectionString), options.poolConfig?.password]);
    // A server that never answers must not hang the agent: give up on connecting after 10 s.
    this.#pool = new pg.Pool({ connectionTimeoutMillis: 10_000, ...options.poolConfig, connectionString });
    this.#ownsPool = true;
    // An idle client whose server went away emits 'error' on the pool; unhandled, that would crash
    // the process. The next action that needs a connection reports the failure instead.
    this.#pool.on("error", () => undefined);
  }

  /** The actions this connector allows. */
  get allowedActions(): readonly string[] {
    return this.#allowlist.actions;
  }

  /**
   * Inserts one row; output: the inserted row. rollbackData: the table, its primary-key columns
   * and the new row's key values.
   */
  async insertRow(input: InsertRowInput): Promise<ActionResult> {
    this.#allowlist.check("insert_row");
    // The hot path: no transaction, so each statement takes a pooled client for one round trip
    // (see #runOne), without #perform's nested async steps. Validation still comes first and runs
    // no SQL.
    let table: TableName;
    let insert: Statement;
    try {
      table = parseTableName(input?.table);
      insert = insertStatement(table, input.data);
    } catch (error) {
      return this.#invalid("insert_row", error);
    }
    if (this.#closed) return this.#closedResult("insert_row");
    try {
      const primaryKey = this.#primaryKeys.get(table.sql) ?? (await this.#runOne(primaryKeyStatement(table))).rows.map(keyName);
      return this.#inserted(table, primaryKey, await this.#runOne(insert));
    } catch (error) {
      // The table may have changed (or be missing): look its key up afresh next time.
      this.#primaryKeys.delete(table.sql);
      return this.#failure("insert_row", error);
    }
  }

  /**
   * Inserts one row unless a row whose `uniqueKey` column equals `data[uniqueKey]` exists; then
   * it changes nothing and returns that row with `alreadyDone: true`. Reported (and allowlisted)
   * as `insert_row`. Concurrent calls with the same key insert exactly one row: the check and the
   * insert run in one transaction holding a transaction-scoped advisory lock on (table, column,
   * value as the database hashes it), and a unique violation from a writer outside Enact also
   * counts as "already there". Values the database holds equal (`1`, `"01"` and `" 1"` in an int
   * column, case variants in citext, jsonb with keys in another order) share one lock.
   */
  async insertRowIfAbsent(input: InsertRowIfAbsentInput): Promise<ActionResult> {
    this.#allowlist.check("insert_row");
    return this.#perform("insert_row", () => {
      const table = parseTableName(input?.table);
      const insert = insertStatement(table, input.data);
      const uniqueKey = quoteIdentifier(input.uniqueKey, "uniqueKey");
      const value = input.data[input.uniqueKey];
      if (!Object.hasOwn(input.data, input.uniqueKey) || value === null || value === undefined) {
        throw new InvalidInputError(`uniqueKey ${JSON.stringify(input.uniqueKey)} must be a column of data with a non-null value.`);
      }
      const lookup = selectStatement(table, { [input.uniqueKey]: value }, 1);
      return { table, insert, lookup, lock: uniqueValueLock(table, uniqueKey, value) };
    }, async (client, { table, insert, lookup, lock }) => {
      await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
      await this.#lockUniqueValue(client, lock);
      const existing = await this.#query(client, lookup);
      if (existing.rows.length > 0) {
        await client.query("COMMIT");
        return succeeded(SYSTEM, "insert_row", rowToJson(existing.rows[0]), { alreadyDone: true });
      }
      try {
        const result = await this.#insert(client, table, insert);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        if ((error as { code?: unknown }).code !== "23505") throw error;
        await client.query("ROLLBACK");
        const winner = await this.#query(client, lookup);
        if (winner.rows.length === 0) throw error;
        return succeeded(SYSTEM, "insert_row", rowToJson(winner.rows[0]), { alreadyDone: true });
      }
    });
  }

  /**
   * Updates the rows matching `where`; output `{ rows, rowCount }` (the rows after the update).
   * rollbackData holds the same rows as they were before, read and locked in the same
   * REPEATABLE READ transaction, so they are exactly the rows that changed.
   */
  async updateRow(input: UpdateRowInput): Promise<ActionResult> {
    this.#allowlist.check("update_row");
    return this.#perform("update_row", () => {
      const table = parseTableName(input?.table);
      return { table, update: updateStatement(table, input.data, input.where), lock: lockRowsStatement(table, input.where, "update_row") };
    }, async (client, { table, update, lock }) => {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      const primaryKey = await primaryKeyOf(client, table);
      const before = await this.#query(client, lock);
      const after = await this.#query(client, update);
      await client.query("COMMIT");
      const rows = after.rows.map(rowToJson);
      return succeeded(SYSTEM, "update_row", { rows, rowCount: rows.length }, {
        rollbackData: { table: table.name, primaryKey, rows: before.rows.map(rowToJson) },
      });
    });
  }

  /** Reads up to `limit` (default 100, at most 10,000) rows matching `where`; output `{ rows }`. */
  async selectRows(input: SelectRowsInput): Promise<ActionResult> {
    this.#allowlist.check("select_rows");
    // One statement, no transaction: the same hot path as insertRow.
    let select: Statement;
    try {
      select = selectStatement(parseTableName(input?.table), input.where, input.limit ?? 100);
    } catch (error) {
      return this.#invalid("select_rows", error);
    }
    if (this.#closed) return this.#closedResult("select_rows");
    try {
      const result = await this.#runOne(select);
      return succeeded(SYSTEM, "select_rows", { rows: result.rows.map(rowToJson) });
    } catch (error) {
      return this.#failure("select_rows", error);
    }
  }

  /**
   * Deletes the rows matching `where`; output `{ rows, rowCount }` (the deleted rows).
   * rollbackData: the table, its primary-key columns and the deleted rows in full.
   */
  async deleteRow(input: DeleteRowInput): Promise<ActionResult> {
    this.#allowlist.check("delete_row");
    return this.#perform("delete_row", () => {
      const table = parseTableName(input?.table);
      return { table, remove: deleteStatement(table, input.where) };
    }, async (client, { table, remove }) => {
      const primaryKey = await primaryKeyOf(client, table);
      const result = await this.#query(client, remove);
      const rows = result.rows.map(rowToJson);
      return succeeded(SYSTEM, "delete_row", { rows, rowCount: rows.length }, {
        rollbackData: { table: table.name, primaryKey, rows },
      });
    });
  }

  /**
   * Undoes one action this connector took in a run, from its receipt (called by
   * `EnactClient.rollback()`), in one transaction, finding rows only by primary key:
   * `insert_row` → `delete_inserted_rows`, `update_row` → `restore_rows` (each row's previous
   * values), `delete_row` → `reinsert_rows`. Rows changed by someone since the run are left alone
   * and reported; a table without a primary key is not undoable. `select_rows` resolves undefined.
   * The undo action must be allowed, else `PermissionError`.
   */
  async undo(action: ActionResult, _context?: UndoContext): Promise<ActionResult | undefined> {
    if (action.system !== SYSTEM) return notUndoable(SYSTEM, `Not a Postgres action: ${action.system}.${action.action}`);
    let plan: ReturnType<typeof planUndo>;
    try {
      plan = planUndo(action);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return notUndoable(SYSTEM, `The receipt's rollback data of ${action.action} is not usable: ${error.message}`);
    }
    if (plan === undefined || !("run" in plan)) return plan;
    const step = plan;
    this.#allowlist.check(step.action);
    return this.#perform(step.action, () => step, (client) => step.run(client, this.#types));
  }

  /**
   * Stops the connector. A pool it created is ended (its connections closed); a pool passed in
   * stays open for its owner. Later actions fail with "closed". Safe to call twice.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#ownsPool) this.#ending ??= this.#pool.end();
    await this.#ending;
  }

  /**
   * Takes insertRowIfAbsent's advisory lock, keyed on the value as the column's type hashes it:
   * the JavaScript spelling would give `1` and `"01"` two locks though `=` finds them equal.
   * A type without a hash function (box, ...) locks the whole column instead, remembered per column.
   */
  async #lockUniqueValue(client: PoolClient, lock: UniqueValueLock): Promise<void> {
    if (!this.#unhashedColumns.has(lock.column)) {
      try {
        await this.#query(client, lock.byValue);
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== UNDEFINED_FUNCTION || !/hash function/.test(String((error as Error).message))) throw error;
        await client.query("ROLLBACK");
        await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
        if (this.#unhashedColumns.size >= 1000) this.#unhashedColumns.clear();
        this.#unhashedColumns.add(lock.column);
      }
    }
    await this.#query(client, lock.byColumn);
  }

  /** insertRow inside insertRowIfAbsent's transaction, on its client. */
  async #insert(client: PoolClient, table: TableName, insert: Statement): Promise<ActionResult> {
    const primaryKey = this.#primaryKeys.get(table.sql) ?? (await primaryKeyOf(client, table));
    let result;
    try {
      result = await this.#query(client, insert);
    } catch (error) {
      // The table may have changed (or be missing): look its key up afresh next time.
      this.#primaryKeys.delete(table.sql);
      throw error;
    }
    return this.#inserted(table, primaryKey, result);
  }

  /** An insert's result: the new row, with its primary-key values as rollbackData; caches the key. */
  #inserted(table: TableName, primaryKey: string[], result: QueryResult): ActionResult {
    if (!this.#primaryKeys.has(table.sql)) {
      if (this.#primaryKeys.size >= 1000) this.#primaryKeys.clear();
      this.#primaryKeys.set(table.sql, primaryKey);
    }
    const row: JsonRow = result.rows[0] === undefined ? {} : rowToJson(result.rows[0]);
    return succeeded(SYSTEM, "insert_row", row, { rollbackData: insertedKeys(table, primaryKey, row) });
  }

  /**
   * Validates first (`prepare` runs no SQL and throws InvalidInputError), then runs `execute` on
   * one pooled client. Every failure becomes a `success: false` result with the password scrubbed.
   */
  async #perform<P>(
    action: PostgresAction,
    prepare: () => P,
    execute: (client: PoolClient, prepared: P) => Promise<ActionResult>,
  ): Promise<ActionResult> {
    let prepared: P;
    try {
      prepared = prepare();
    } catch (error) {
      return this.#invalid(action, error);
    }
    if (this.#closed) return this.#closedResult(action);
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      return this.#failure(action, error);
    }
    client.on("error", ignore);
    let discard: Error | undefined;
    try {
      return await execute(client, prepared);
    } catch (error) {
      // Ends any transaction `execute` left open (outside one it is a no-op). A client that cannot
      // even do that is broken and is discarded rather than returned to the pool.
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        discard = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      return this.#failure(action, error);
    } finally {
      client.removeListener("error", ignore);
      client.release(discard);
    }
  }

  /**
   * Runs one statement outside any transaction on a pooled client: one checkout, one round trip,
   * one release and a single promise, which is what `pool.query` costs. Unlike `pool.query`, a
   * server's error answer (a unique violation, a missing table) keeps the healthy connection in
   * the pool; anything else (a dropped connection, a value pg could not send) discards it.
   */
  #runOne(statement: Statement): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      this.#pool.connect((connectError, client, release) => {
        if (connectError || client === undefined) {
          reject(connectError ?? new Error("The pool returned no client."));
          return;
        }
        client.on("error", ignore);
        // Callbacks, not promises, and no named closures (the build's keepNames would rename each
        // one on every call): this path is what every insertRow and selectRows pays.
        try {
          (client as unknown as CallbackQuery).query(this.#template(statement), statement.values, (error, result) => {
            giveBack(client, release, error);
            if (error === null || error === undefined) resolve(result);
            else reject(error);
          });
        } catch (error) {
          giveBack(client, release, error);
          reject(error);
        }
      });
    });
  }

  /** Runs one statement on `client` (inside #perform), with the connector's type parsers. */
  #query(client: PoolClient, statement: Statement): Promise<QueryResult> {
    return client.query(this.#template(statement), statement.values);
  }

  /**
   * The query config for a statement's text: `{ text, types }`, frozen, made once per text and
   * passed as the prototype of an empty object. pg copies a config object's own properties for
   * every query (about 1.7 µs for `{ text, values, types }`, then the largest single cost of an
   * action); an object with none is copied in under 0.2 µs, and pg reads `text` and `types`
   * through the prototype like any property. The values go as pg's second argument.
   */
  #template(statement: Statement): QueryConfig {
    let template = this.#templates.get(statement.text);
    if (template === undefined) {
      if (this.#templates.size >= 1000) this.#templates.clear();
      template = Object.freeze({ text: statement.text, types: this.#types });
      this.#templates.set(statement.text, template);
    }
    return Object.create(template) as QueryConfig;
  }

  #invalid(action: PostgresAction, error: unknown): ActionResult {
    if (error instanceof InvalidInputError) return failed(SYSTEM, action, error.message, { code: "ENACT_INVALID_INPUT" }, this.#secrets);
    return failed(SYSTEM, action, `Invalid input: ${describeDatabaseError(error).message}`, { code: "ENACT_INVALID_INPUT" }, this.#secrets);
  }

  #closedResult(action: PostgresAction): ActionResult {
    return failed(SYSTEM, action, "PostgresConnector is closed; create a new one.", {}, this.#secrets);
  }

  #failure(action: PostgresAction, error: unknown): ActionResult {
    const { message, details } = describeDatabaseError(error);
    return failed(SYSTEM, action, message, details, this.#secrets);
  }
}

const UNDEFINED_FUNCTION = "42883";

/** insertRowIfAbsent's two ways to lock: on the value's hash, or on the whole column. */
interface UniqueValueLock {
  column: string;
  byValue: Statement;
  byColumn: Statement;
}

/**
 * The lock statements for a unique value. The value is bound as the lookup binds it and takes the
 * column's type through the UNION, so `hash_array` hashes it with that type's own hash function,
 * which agrees with its `=` (int, numeric, citext, jsonb, collations alike). The two-key form keeps
 * Enact's locks apart from an application's single-key advisory locks.
 */
function uniqueValueLock(table: TableName, column: string, value: unknown): UniqueValueLock {
  const name = JSON.stringify([table.sql, column]);
  return {
    column: name,
    byValue: {
      text:
        "SELECT pg_advisory_xact_lock(hashtext('enact_sdk.insert_row'), hashtext($1 || hash_array(ARRAY[v])::text)) " +
        `FROM (SELECT ${column} AS v FROM ${table.sql} WHERE false UNION ALL SELECT $2) AS value`,
      values: [name, value],
    },
    byColumn: { text: "SELECT pg_advisory_xact_lock(hashtext('enact_sdk.insert_row'), hashtext($1))", values: [name] },
  };
}

/** pg's `client.query(config, values, callback)`, which it supports but its typings omit. */
interface CallbackQuery {
  query(config: QueryConfig, values: unknown[], callback: (error: Error | null, result: QueryResult) => void): void;
}

// Listens for 'error' on a checked-out client: a connection that dies mid-query emits it, and an
// 'error' nobody hears crashes the process. The query in flight fails with the same error and
// the action reports it.
function ignore(): void {}

/**
 * Returns a client #runOne checked out: kept after success or after the server's own error answer
 * to the statement (ERROR, not FATAL), which leaves the connection in sync; discarded after
 * anything else (a lost connection, a value pg could not send), which may have left it broken.
 */
function giveBack(client: PoolClient, release: (discard?: unknown) => void, error: unknown): void {
  client.removeListener("error", ignore);
  const healthy =
    error === null ||
    error === undefined ||
    (error instanceof pg.DatabaseError && error.severity !== "FATAL" && error.severity !== "PANIC");
  release(healthy ? undefined : error);
}

function keyName(row: { name: string }): string {
  return row.name;
}

function secretStrings(values: readonly unknown[]): string[] {
  return values.filter((value): value is string => typeof value === "string" && value !== "");
}
