import { appendFile } from "node:fs/promises";
import { defineWorkflow, type ActionResult } from "enact-sdk";

/**
 * A workflow whose body counts its own executions: in memory, and (with `ledger`) as lines in a
 * file, so executions in other processes are counted too.
 */
export function countingWorkflow(options: { ledger?: string; gate?: Promise<unknown> } = {}) {
  const counter = { executions: 0 };
  const workflow = defineWorkflow("send_invoice", async (ctx): Promise<ActionResult[]> => {
    counter.executions += 1;
    if (options.ledger !== undefined) await appendFile(options.ledger, `${process.pid}\n`);
    await options.gate;
    return [{ action: "send_invoice", system: "billing", success: true, output: { to: ctx.payload.to, pid: process.pid } }];
  });
  return { workflow, counter };
}
