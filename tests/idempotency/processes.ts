import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnactClient, IdempotencyInProgressError, type ReceiptStore } from "enact-sdk";
import { ChildScript } from "../support/child-process.js";
import { TEST_SECRET } from "../support/context.js";
import { countingWorkflow } from "../support/counting-workflow.js";

const CHILD = "tests/support/idempotent-child.ts";

export interface ProcessStoreSetup {
  /** JSON the child process uses to open the same store. */
  childStore: Record<string, unknown>;
  /** The same store, opened in the test's process. */
  store: ReceiptStore;
  /** A scratch directory for the execution ledger. */
  scratch: string;
}

async function executions(ledger: string): Promise<number> {
  const text = await readFile(ledger, "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).length;
}

/** Idempotency across separate Node processes sharing one store. */
/**
 * `skipReason`: why this store cannot be shared by several processes here (it is then skipped,
 * saying so in the suite's name).
 */
export function describeAcrossProcesses(name: string, setup: () => Promise<ProcessStoreSetup>, skipReason?: string): void {
  describe.skipIf(skipReason !== undefined)(`idempotency keys across processes with ${name}${skipReason === undefined ? "" : ` (${skipReason})`}`, () => {
    it("executes once when two processes race on one key", async () => {
      const { childStore, scratch } = await setup();
      const ledger = join(scratch, "race.ledger");
      const config = JSON.stringify({ store: childStore, key: "race-1", ledger, mode: "race" });
      const children = [new ChildScript(CHILD, [config]), new ChildScript(CHILD, [config])];
      await Promise.all(children.map((child) => child.line((l) => l === "READY")));
      for (const child of children) child.send("go");
      const outcomes = await Promise.all(children.map(async (child) => JSON.parse(await child.line((l) => l.startsWith("{"))) as { runId: string; replayed: boolean }));
      expect(await executions(ledger)).toBe(1);
      expect(outcomes[0]?.runId).toBe(outcomes[1]?.runId);
      expect(outcomes.filter((o) => o.replayed)).toHaveLength(1);
    });

    it("never re-executes after a process is killed between claim and completion, until reconciled", async () => {
      const { childStore, store, scratch } = await setup();
      const ledger = join(scratch, "crash.ledger");
      const child = new ChildScript(CHILD, [JSON.stringify({ store: childStore, key: "crash-1", ledger, mode: "hang" })]);
      await child.line((l) => l === "EXECUTING");
      await child.kill();

      const { workflow, counter } = countingWorkflow();
      const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow] });
      const request = { workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload: { to: "jane@acme.com" }, idempotencyKey: "crash-1" };
      const error = (await enact.run(request).catch((e: unknown) => e)) as IdempotencyInProgressError;
      expect(error).toBeInstanceOf(IdempotencyInProgressError);
      expect(error.ownerGone).toBe(true);
      expect(error.state).toBe("executing");
      expect(counter.executions).toBe(0);
      expect(await executions(ledger)).toBe(1);

      const reconciled = await enact.reconcile("crash-1", { outcome: "failed", note: "nothing was sent" });
      expect(reconciled.status).toBe("released");
      const [result] = await enact.run(request);
      expect(result.success).toBe(true);
      expect(counter.executions).toBe(1);
    });
  });
}
