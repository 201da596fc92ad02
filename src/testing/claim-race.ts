import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** One child's claim of one round's key. */
export interface ClaimOutcome {
  round: number;
  key: string;
  /** The run this child claimed the key for. */
  runId: string;
  won: boolean;
  /** The run holding the key after this child's claim: its own when it won, else the one it was told. */
  holder: string;
  /** The holder this child read back with `getClaim` after every round was over. */
  holderAfterwards: string | undefined;
}

export interface ClaimRace {
  /** The module exporting `openStore(argument)`, as a path. */
  module: string;
  argument: unknown;
  processes: number;
  rounds: number;
  execArgv: readonly string[];
  env: Record<string, string | undefined>;
}

/** The child's script, next to this file: TypeScript when running from source, JavaScript when built. */
function racerScript(): string {
  const here = import.meta.url;
  return fileURLToPath(new URL(here.endsWith(".ts") ? "./claim-racer.ts" : "./claim-racer.js", here));
}

/**
 * Starts `processes` children that open the same store and, in lockstep, claim the same key each
 * round: a barrier instead of a start time, so they really overlap however slow the machine is.
 * Every child prints a line when ready and one after each round's claim; once all have printed,
 * the parent sends "go" to all at once. After the last round each child reads every key's holder
 * back and exits. Rejects with the children's stderr when one fails.
 */
export async function raceClaimsAcrossProcesses(race: ClaimRace): Promise<ClaimOutcome[]> {
  const config = JSON.stringify({ module: race.module, argument: race.argument, rounds: race.rounds });
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(race.env)) if (value !== undefined) env[name] = value;
  const children = Array.from({ length: race.processes }, () =>
    spawn(process.execPath, [...race.execArgv, racerScript(), config], { env, stdio: ["pipe", "pipe", "pipe"] }),
  );
  const reported = children.map(() => 0);
  let released = 0;
  let ended = false;
  const endAll = (): void => {
    if (ended) return;
    ended = true;
    for (const child of children) child.stdin.end();
  };
  const releaseReadyRounds = (): void => {
    while (!ended && released < race.rounds && reported.every((lines) => lines > released)) {
      released += 1;
      for (const child of children) child.stdin.write("go\n");
    }
    if (released === race.rounds) endAll();
  };
  const results = await Promise.all(
    children.map(
      (child, index) =>
        new Promise<{ code: number | null; lines: string[]; stderr: string }>((resolve, reject) => {
          const lines: string[] = [];
          let stderr = "";
          child.stdin.on("error", () => undefined);
          child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
          createInterface({ input: child.stdout }).on("line", (line) => {
            lines.push(line);
            reported[index] = (reported[index] ?? 0) + 1;
            releaseReadyRounds();
          });
          child.on("error", reject);
          child.on("close", (code) => {
            endAll();
            resolve({ code, lines, stderr });
          });
        }),
    ),
  );
  const failed = results.find((result) => result.code !== 0);
  if (failed !== undefined) throw new Error(`A claiming child process failed (exit ${failed.code}):\n${failed.stderr}`);
  return results.flatMap(({ lines }) => {
    const afterwards = JSON.parse(lines[lines.length - 1] ?? "{}") as Record<string, string | undefined>;
    return lines.slice(1, -1).map((line) => {
      const outcome = JSON.parse(line) as Omit<ClaimOutcome, "holderAfterwards">;
      return { ...outcome, holderAfterwards: afterwards[outcome.key] };
    });
  });
}
