import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = "tests/support/fleet-child.ts";

/** What a fleet child reports about one run. */
export type RunOutcome =
  | { event: "stored"; runId: string; replayed: boolean; success: boolean }
  | { event: "rejected"; name: string; code: string | null; message: string };

type Line = RunOutcome | { event: "ready" | "executing" | "stopped" };

/**
 * A fleet-child.ts process (one agent on a PostgresReceiptStore) and what it printed. Waiting is
 * on its output, never on time: `until(n)` resolves when n lines of a kind have arrived, and
 * rejects, with the child's stderr, as soon as the process exits without them.
 */
export class FleetProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: Line[] = [];
  readonly #waiters = new Set<() => void>();
  #stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(store: { connectionString: string; tablePrefix: string }) {
    this.#child = spawn(process.execPath, ["--import", "tsx", SCRIPT, JSON.stringify(store)], { cwd: root });
    this.#child.stderr.on("data", (chunk: Buffer) => {
      if (this.#stderr.length < 20_000) this.#stderr += chunk.toString();
    });
    createInterface({ input: this.#child.stdout }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      this.#lines.push(JSON.parse(line) as Line);
      this.#wake();
    });
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => {
        resolve({ code, signal });
        this.#wake();
      });
    });
  }

  /** Starts a child on the store's tables and waits until it listens for commands. */
  static async start(store: { connectionString: string; tablePrefix: string }): Promise<FleetProcess> {
    const fleet = new FleetProcess(store);
    await fleet.until("ready", 1);
    return fleet;
  }

  /** Every run outcome so far, in the order they were printed. */
  get outcomes(): RunOutcome[] {
    return this.#lines.filter((line): line is RunOutcome => line.event === "stored" || line.event === "rejected");
  }

  get stderr(): string {
    return this.#stderr;
  }

  send(command: Record<string, unknown>): void {
    this.#child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Resolves once `count` lines of `event` (or run outcomes, for "outcome") have been printed in all. */
  async until(event: Line["event"] | "outcome", count: number): Promise<void> {
    const seen = (): number =>
      event === "outcome" ? this.outcomes.length : this.#lines.filter((line) => line.event === event).length;
    for (;;) {
      if (seen() >= count) return;
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        throw new Error(
          `The agent process exited (${this.#child.exitCode ?? this.#child.signalCode}) after ${seen()} of ${count} "${event}" lines.\n${this.#stderr}`,
        );
      }
      await new Promise<void>((resolve) => this.#waiters.add(resolve));
    }
  }

  /** Asks the child to close its store and exit; resolves with how it exited. */
  async close(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.send({ op: "close" });
    return this.exited;
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
