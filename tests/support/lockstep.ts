import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { childEnvironment, ROOT, type CliResult } from "./cli.js";

/**
 * Runs `node <args>` once per entry of `children`, all in lockstep for `rounds` rounds: a barrier
 * instead of a wall-clock start time, so the children really overlap however slow the machine.
 * Each child prints a line on stdout when it is ready and one after each round's step; once every
 * child has printed its line, the parent sends "go" to all of them at once, and after the last
 * round it closes their stdin. If a child ends early, the others' stdin is closed too, so they
 * stop instead of waiting for a round that never comes. The child side is `lockstepTurns` below.
 */
export function runInLockstep(children: readonly (readonly string[])[], rounds: number, env: Record<string, string | undefined> = {}): Promise<CliResult[]> {
  const spawned = children.map((args) => spawn(process.execPath, args, { cwd: ROOT, env: childEnvironment(env), stdio: ["pipe", "pipe", "pipe"] }));
  const reported = spawned.map(() => 0);
  let released = 0;
  let ended = false;
  const endAll = (): void => {
    if (ended) return;
    ended = true;
    for (const child of spawned) child.stdin.end();
  };
  const releaseReadyRounds = (): void => {
    while (!ended && released < rounds && reported.every((lines) => lines > released)) {
      released += 1;
      for (const child of spawned) child.stdin.write("go\n");
    }
    if (released === rounds) endAll();
  };
  return Promise.all(
    spawned.map(
      (child, index) =>
        new Promise<CliResult>((resolve, reject) => {
          let stdout = "";
          let stderr = "";
          // A child that died before reading its stdin must not crash the parent with EPIPE.
          child.stdin.on("error", () => undefined);
          child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
          createInterface({ input: child.stdout }).on("line", (line) => {
            stdout += `${line}\n`;
            reported[index] = (reported[index] ?? 0) + 1;
            releaseReadyRounds();
          });
          child.on("error", reject);
          child.on("close", (code) => {
            endAll();
            resolve({ code, stdout, stderr });
          });
        }),
    ),
  );
}

/** The child's side of `runInLockstep`: waits for the parent's next "go". */
export function lockstepTurns(): () => Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  return async () => {
    if ((await lines.next()).done === true) throw new Error("the parent ended the rounds before this child's last step");
  };
}
