import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A TypeScript script run as its own Node process, with its stdout read line by line. */
export class ChildScript {
  readonly process: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  readonly #waiters: Array<() => void> = [];

  constructor(script: string, args: string[]) {
    this.process = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: root });
    createInterface({ input: this.process.stdout }).on("line", (line) => {
      this.#lines.push(line);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.process.stderr.on("data", () => undefined);
  }

  /** Resolves with the first stdout line matching `test`, waiting for it if needed. */
  async line(test: (line: string) => boolean = () => true): Promise<string> {
    for (;;) {
      const found = this.#lines.find(test);
      if (found !== undefined) return found;
      if (this.process.exitCode !== null) throw new Error(`child exited (${this.process.exitCode}) without the expected line`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        this.process.once("exit", () => resolve());
      });
    }
  }

  send(line: string): void {
    this.process.stdin.write(`${line}\n`);
  }

  async kill(): Promise<void> {
    this.process.kill("SIGKILL");
    if (this.process.exitCode === null && this.process.signalCode === null) await once(this.process, "exit");
  }
}
