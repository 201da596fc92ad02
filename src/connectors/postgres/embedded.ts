import { MissingPeerDependencyError } from "../../errors.js";
import { ConnectionQueue } from "./embedded-queue.js";

/** A running embedded Postgres: where to connect, and how to stop it. */
export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`; no password, loopback only. */
  readonly connectionString: string;
  /** Closes every connection, stops listening and shuts the database down. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options for `startEmbeddedPostgres`. */
export interface EmbeddedPostgresOptions {
  /** Where PGlite keeps its files; default in memory (gone on stop). */
  dataDir?: string;
  /**
   * Client connections accepted at once (default 100). PGlite runs one query at a time in one
   * session; the server multiplexes connections and keeps each statement, and each transaction,
   * of a connection together, so a `pg.Pool` of several clients works. A connection that holds a
   * transaction or an unfinished statement (a cursor) open while it waits for another
   * connection's query waits forever.
   */
  maxConnections?: number;
}

/**
 * Starts PGlite (Postgres compiled to WebAssembly, in this process) behind a Postgres wire
 * protocol server on a free loopback port: a real Postgres for demos and tests with nothing to
 * install beyond two npm packages, `@electric-sql/pglite` and `@electric-sql/pglite-socket`.
 * Not for production: one query runs at a time.
 *
 * @example
 * const embedded = await startEmbeddedPostgres();
 * const postgres = new PostgresConnector({ connectionString: embedded.connectionString });
 * // ...
 * await postgres.close();
 * await embedded.stop();
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  // Loaded only here, so the connector itself never needs them.
  const { PGlite } = await importPeer<typeof import("@electric-sql/pglite")>("@electric-sql/pglite");
  const { PGLiteSocketServer } = await importPeer<typeof import("@electric-sql/pglite-socket")>("@electric-sql/pglite-socket");
  // citext ships with PGlite but must be offered explicitly; case-insensitive columns (emails) are common.
  const { citext } = await importPeer<typeof import("@electric-sql/pglite/contrib/citext")>("@electric-sql/pglite/contrib/citext");
  const db = await PGlite.create({ dataDir: options.dataDir, extensions: { citext } });
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port: 0,
    maxConnections: options.maxConnections ?? 100,
  });
  // The server's own queue lets one connection's failed statement swallow another's messages (see
  // ConnectionQueue); its connection handlers take whichever queue the server holds when they start.
  const internals = server as unknown as { queryQueue?: unknown };
  if (internals.queryQueue !== undefined) internals.queryQueue = new ConnectionQueue(db);
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const connectionString = `postgres://postgres@${server.getServerConn()}/postgres`;
  let stopping: Promise<void> | undefined;
  return {
    connectionString,
    stop: () => {
      stopping ??= (async () => {
        await server.stop();
        await db.close();
      })();
      return stopping;
    },
  };
}

async function importPeer<T>(packageName: string): Promise<T> {
  try {
    return (await import(packageName)) as T;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new MissingPeerDependencyError(packageName, "startEmbeddedPostgres()", { cause: error });
    }
    throw error;
  }
}
