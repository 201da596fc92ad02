import type { ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freeLoopbackPort } from "./loopback-port.js";
import { findExecutable, removeDirectory, serverDirectory, serverUser, startServerProcess, stopServerProcess } from "./server-process.js";

/**
 * A PgBouncer of the test's own, in transaction pooling mode (what hosted poolers such as
 * Supabase's and Neon's run): consecutive transactions of one client connection may land on
 * different server connections, and nothing session-scoped survives a transaction.
 */
export interface PgBouncer {
  /** The upstream's database and user, through the pooler. */
  readonly connectionString: string;
  readonly port: number;
  /** Kills the pooler and removes its temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The server to pool, a trust-auth libpq URL (`postgres://user@host:port/db`). */
  upstream: string;
  /** Server connections per (database, user). Default 20. */
  poolSize?: number;
}

/** Why PgBouncer cannot be started here (not installed), or undefined when it can. */
export function pgBouncerUnavailable(): string | undefined {
  return findExecutable("pgbouncer") === undefined ? "pgbouncer is not installed (Debian package `pgbouncer`)" : undefined;
}

const READY = /process up: PgBouncer/;

export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const executable = findExecutable("pgbouncer");
  if (executable === undefined) throw new Error(pgBouncerUnavailable());
  const upstream = new URL(options.upstream);
  const userName = decodeURIComponent(upstream.username || "postgres");
  const user = serverUser();
  const directory = await serverDirectory("enact-pgbouncer-", user);
  const port = await freeLoopbackPort();
  const quote = (value: string): string => `"${value.replaceAll('"', '""')}"`;
  const authFile = join(directory, "userlist.txt");
  const config = join(directory, "pgbouncer.ini");
  await writeFile(authFile, `${quote(userName)} ""\n`, { mode: 0o644 });
  await writeFile(
    config,
    [
      "[databases]",
      // Any database name the client asks for, on the upstream server, as the client's user.
      `* = host=${upstream.hostname} port=${upstream.port || "5432"}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      `unix_socket_dir = ${directory}`,
      `pidfile = ${join(directory, "pgbouncer.pid")}`,
      // The upstream trusts loopback connections, so the pooler checks nothing either, but it
      // still only admits the users in the auth file.
      "auth_type = trust",
      `auth_file = ${authFile}`,
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 20}`,
      "max_client_conn = 1000",
      // node-postgres does not send it, other drivers do: ignore rather than refuse the client.
      "ignore_startup_parameters = extra_float_digits,options",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  let child: ChildProcess;
  try {
    child = await startServerProcess(executable, [config], user, READY);
  } catch (error) {
    removeDirectory(directory);
    throw error;
  }
  const path = upstream.pathname.length > 1 ? upstream.pathname : "/postgres";
  let stopped = false;
  return {
    connectionString: `postgres://${encodeURIComponent(userName)}@127.0.0.1:${port}${path}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServerProcess(child, "SIGKILL");
      removeDirectory(directory);
    },
  };
}
