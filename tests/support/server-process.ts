import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { chown, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/*
 * Shared plumbing of the test harness's own database servers (private-postgres.ts, pgbouncer.ts):
 * both refuse to run as root, both are started in the foreground so the test owns their process,
 * and both announce readiness on stderr, which the harness waits for instead of sleeping.
 */

/** Who a server process runs as: nobody in particular, or the `postgres` user when we are root. */
export interface RunAs {
  uid?: number;
  gid?: number;
}

/** As root, the `postgres` system user (PostgreSQL and PgBouncer both refuse root); else ourselves. */
export function serverUser(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string): number => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error("Running as root, and there is no `postgres` user to run the test's database servers as.");
  }
}

/** A temporary directory the server's user owns; removed by `removeDirectory`. */
export async function serverDirectory(prefix: string, user: RunAs): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  if (user.uid !== undefined && user.gid !== undefined) await chown(directory, user.uid, user.gid);
  return directory;
}

export function removeDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}

/** Runs a short-lived command (initdb) as `user`, throwing with its output when it fails. */
export function runCommand(command: string, args: readonly string[], user: RunAs): void {
  try {
    execFileSync(command, args, { ...user, stdio: ["ignore", "pipe", "pipe"], cwd: tmpdir() });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${command} failed: ${String(stderr ?? "")}${String(stdout ?? "")}`.trim());
  }
}

/** The newest Debian PostgreSQL bin directory (`/usr/lib/postgresql/<ver>/bin`), or `PG_BIN`. */
export function postgresBinDirectory(): string | undefined {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(join(fromEnv, "initdb")) ? fromEnv : undefined;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, "bin", "initdb")) && existsSync(join(root, version, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin");
}

/** The path of an executable on PATH (or in the usual sbin directories), if any. */
export function findExecutable(name: string): string | undefined {
  const directories = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  return directories
    .filter((directory) => directory.startsWith("/"))
    .map((directory) => join(directory, name))
    .find((path) => existsSync(path));
}

/**
 * Starts `command` in the foreground as `user` and resolves once a line of its stderr matches
 * `ready`; rejects with everything it printed if it exits first. The process is killed when the
 * test process exits, so a failed test run leaves no server behind.
 */
export async function startServerProcess(command: string, args: readonly string[], user: RunAs, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(command, args, { ...user, stdio: ["ignore", "pipe", "pipe"], cwd: tmpdir() });
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  const output: string[] = [];
  child.stdout?.on("data", () => undefined);
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stderr! });
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${output.join("\n")}`));
    };
    child.once("error", reject);
    child.once("exit", onExit);
    lines.on("line", (line) => {
      if (output.length < 200) output.push(line);
      if (ready.test(line)) {
        child.removeListener("exit", onExit);
        resolve();
      }
    });
  });
  return child;
}

/** Sends `signal` and resolves when the process has exited. */
export async function stopServerProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  await exited;
}
