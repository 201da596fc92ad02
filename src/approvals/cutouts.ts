import type { PolicyResult, WorkflowContext } from "../models.js";
import { describeError } from "../policy.js";
import type { ReceiptStore } from "../stores/receipt-store.js";
import { admit } from "./cutout-window.js";
import type { CutoutSpec } from "./thermal-cutout.js";

/**
 * Counts a run that is about to execute against every thermal cutout, in the store. One result
 * per cutout; a failing one blocks the run. A store that cannot count, a key function that throws
 * or a store that fails to answer all fail closed. With `dryRun`, each cutout says whether it
 * would admit the run, and the stored count is left as it was (a dry run executes nothing).
 */
export async function admitToCutouts(store: ReceiptStore, cutouts: readonly CutoutSpec[], ctx: WorkflowContext, now: number, dryRun = false): Promise<PolicyResult[]> {
  const results: PolicyResult[] = [];
  for (const cutout of cutouts) results.push(await admitOne(store, cutout, ctx, now, dryRun));
  return results;
}

async function admitOne(store: ReceiptStore, cutout: CutoutSpec, ctx: WorkflowContext, now: number, dryRun: boolean): Promise<PolicyResult> {
  const refuse = (reason: string): PolicyResult => ({ policy: cutout.name, passed: false, reason });
  if (store.updateCutout === undefined) return refuse("This receipt store cannot count runs for a thermal cutout (it lacks updateCutout)");
  let key: string;
  try {
    key = String(cutout.key(ctx));
  } catch (error) {
    return refuse(`The thermal cutout's key threw: ${describeError(error)}`);
  }
  try {
    const verdict = await store.updateCutout(`${cutout.name}\u0000${key}`, (current) => {
      const [next, outcome] = admit(current, now, cutout);
      // A dry run writes back what was there (an empty window when there was nothing).
      return dryRun ? [current ?? { times: [], blockedUntil: 0 }, outcome] : [next, outcome];
    });
    if (verdict.admitted) return { policy: cutout.name, passed: true, reason: `Within ${cutout.max} runs per ${cutout.windowMs} ms for ${key}` };
    return refuse(
      `Thermal cutout ${verdict.tripped ? "tripped" : "open"}: more than ${cutout.max} runs per ${cutout.windowMs} ms for ${key}; ` +
        `runs with this key reopen at ${new Date(verdict.reopensAt).toISOString()}`,
    );
  } catch (error) {
    return refuse(`The thermal cutout could not be counted: ${describeError(error)}`);
  }
}
