import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { freeLoopbackPort } from "./loopback-port.js";
import {
  postgresBinDirectory,
  removeDirectory,
  runCommand,
  serverDirectory,
  serverUser,
  startServerProcess,
  stopServerProcess,
} from "./server-process.js";

/**
 * A throwaway PostgreSQL server of the test's own (initdb into a temporary directory, trust auth,
 * a free loopback port), for tests that restart the server or kill its connections: the shared
 * server on 5432 serves other test runs and must never be touched that way.
 */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`; stays the same across restarts. */
  readonly connectionString: string;
  readonly port: number;
  /**
   * Stops the server and starts it again on the same port and data. `fast` (default) is a clean
   * shutdown that ends every session; `immediate` is a crash (no checkpoint, recovery at start).
   */
  restart(mode?: "fast" | "immediate"): Promise<void>;
  /** Ends every client connection (`pg_terminate_backend`); resolves with how many were ended. */
  terminateAll(): Promise<number>;
  /** Stops the server (immediately) and removes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Why private servers cannot be started here, or undefined when they can. */
export function privatePostgresUnavailable(): string | undefined {
  return postgresBinDirectory() === undefined
    ? "PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/<version>/bin or PG_BIN"
    : undefined;
}

const READY = /database system is ready to accept connections/;

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDirectory();
  if (bin === undefined) throw new Error(privatePostgresUnavailable());
  const user = serverUser();
  const directory = await serverDirectory("enact-private-pg-", user);
  const data = join(directory, "data");
  try {
    runCommand(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"], user);
  } catch (error) {
    removeDirectory(directory);
    throw error;
  }
  const port = await freeLoopbackPort();
  const args = [
    "-D", data,
    "-p", String(port),
    "-c", "listen_addresses=127.0.0.1",
    "-c", `unix_socket_directories=${directory}`,
    "-c", "max_connections=200",
    // Nothing here outlives the test: durability against power loss only costs time.
    "-c", "fsync=off",
    "-c", "full_page_writes=off",
  ];
  const start = (): Promise<ChildProcess> => startServerProcess(join(bin, "postgres"), args, user, READY);
  let server: ChildProcess | undefined;
  try {
    server = await start();
  } catch (error) {
    removeDirectory(directory);
    throw error;
  }
  const connectionString = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    connectionString,
    port,
    async restart(mode = "fast") {
      if (stopped || server === undefined) throw new Error("The private PostgreSQL server was stopped.");
      await stopServerProcess(server, mode === "fast" ? "SIGINT" : "SIGQUIT");
      server = undefined;
      server = await start();
    },
    async terminateAll() {
      const client = new pg.Client({ connectionString });
      client.on("error", () => undefined);
      await client.connect();
      try {
        const { rows } = await client.query<{ ended: string }>(
          `SELECT count(pg_terminate_backend(pid))::text AS ended FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
        );
        return Number(rows[0]?.ended ?? 0);
      } finally {
        await client.end();
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (server !== undefined) await stopServerProcess(server, "SIGQUIT");
      removeDirectory(directory);
    },
  };
}
