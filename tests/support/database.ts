import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import pg from "pg";
import { inject } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "enact-sdk/connectors/postgres";

/**
 * The Postgres a test file runs against: the server in DATABASE_URL when it is set (CI), else the
 * embedded PGlite shared by the whole run (global-database.ts, when wired in), else an embedded
 * PGlite started once per test file. Tables are created with unique names so test files
 * running in parallel on one server never collide; `release()` drops them.
 */
export interface TestDatabase {
  readonly connectionString: string;
  readonly kind: "server" | "embedded";
  /** A pool of the test's own, for setting up and for checking rows independently of the connector. */
  readonly admin: pg.Pool;
  /** A fresh, unused, lowercase table name starting with `prefix`. */
  uniqueName(prefix: string): string;
  /**
   * Creates a table with a unique name and returns that name.
   * @example await db.createTable("leads", "id serial primary key, email text unique")
   */
  createTable(prefix: string, columns: string): Promise<string>;
  /** Rows of `table` (a name from createTable) ordered by `orderBy`, read with the admin pool. */
  rows(table: string, orderBy?: string): Promise<Record<string, unknown>[]>;
}

let current: Promise<{ database: TestDatabase; shutdown: () => Promise<void> }> | undefined;

/** The test file's database, started on first use. Pair with `releaseTestDatabase()` in afterAll. */
export async function getTestDatabase(): Promise<TestDatabase> {
  current ??= open();
  return (await current).database;
}

/** Drops the tables this file created and stops the embedded server, if one was started. */
export async function releaseTestDatabase(): Promise<void> {
  const opened = current;
  current = undefined;
  if (opened !== undefined) await (await opened).shutdown();
}

async function open(): Promise<{ database: TestDatabase; shutdown: () => Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  const sharedUrl = inject("embeddedDatabaseUrl");
  let embedded: EmbeddedPostgres | undefined;
  if ((serverUrl === undefined || serverUrl === "") && sharedUrl === undefined) embedded = await startEmbeddedPostgres();
  const connectionString = embedded?.connectionString ?? sharedUrl ?? (serverUrl as string);
  const admin = new pg.Pool({ connectionString, max: 4 });
  admin.on("error", () => undefined);
  const created: string[] = [];
  const database: TestDatabase = {
    connectionString,
    kind: embedded === undefined && sharedUrl === undefined ? "server" : "embedded",
    admin,
    uniqueName: (prefix) => `${prefix}_${randomBytes(6).toString("hex")}`,
    async createTable(prefix, columns) {
      const name = database.uniqueName(prefix);
      await admin.query(`CREATE TABLE "${name}" (${columns})`);
      created.push(name);
      return name;
    },
    async rows(table, orderBy = "1") {
      return (await admin.query(`SELECT * FROM "${table}" ORDER BY ${orderBy}`)).rows as Record<string, unknown>[];
    },
  };
  const shutdown = async (): Promise<void> => {
    for (const table of created) await admin.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
    await admin.end();
    await embedded?.stop();
  };
  return { database, shutdown };
}

/** A loopback port nothing listens on: where a stopped database server used to be. */
export async function unusedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("Could not reserve a loopback port");
  return address.port;
}

/**
 * Terminates every backend whose application_name is `applicationName` (as a restart or failover
 * would) and waits until they have exited. The admin's next answer arrives after their sockets
 * closed, so the clients' pools have seen it by then. Needs a real server (not the embedded PGlite).
 */
export async function terminateBackends(admin: pg.Pool, applicationName: string): Promise<number> {
  // The targets are chosen first, by name alone (MATERIALIZED): the server is shared, and a
  // planner free to evaluate pg_terminate_backend before the name test would end everyone's.
  const { rows } = await admin.query<{ n: number }>(
    `WITH targets AS MATERIALIZED (
       SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()
     )
     SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000))::int AS n FROM targets`,
    [applicationName],
  );
  await admin.query("SELECT 1");
  return rows[0]?.n ?? 0;
}
