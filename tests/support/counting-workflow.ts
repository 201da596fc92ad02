import { appendFile } from "node:fs/promises";
import { defineWorkflow, type ActionResult } from "enact-sdk";

/**
 * A workflow whose body counts its own executions: in memory, and (with `ledger`) as lines in a
 * file, so executions in other processes are counted too. `started` resolves when its body first
 * runs: an event to wait on instead of polling for a run to be under way.
 */
export function countingWorkflow(options: { ledger?: string; gate?: Promise<unknown> } = {}) {
  const counter = { executions: 0 };
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const workflow = defineWorkflow("send_invoice", async (ctx): Promise<ActionResult[]> => {
    counter.executions += 1;
    markStarted();
    if (options.ledger !== undefined) await appendFile(options.ledger, `${process.pid}\n`);
    await options.gate;
    return [{ action: "send_invoice", system: "billing", success: true, output: { to: ctx.payload.to, pid: process.pid } }];
  });
  return { workflow, counter, started };
}
