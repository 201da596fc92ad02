import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnactClient, type ReceiptStore } from "enact-sdk";
import { requireApproval } from "enact-sdk/policies";
import { ChildScript } from "../support/child-process.js";
import { TEST_SECRET } from "../support/context.js";
import { countingWorkflow } from "../support/counting-workflow.js";

const CHILD = "tests/support/approval-child.ts";

/**
 * Resolves once every child has exited: a child seals its journal and closes its store after
 * printing its outcome, and must be done before the test's tables are dropped.
 */
async function exited(children: readonly ChildScript[]): Promise<void> {
  await Promise.all(children.map((child) => (child.process.exitCode !== null || child.process.signalCode !== null ? undefined : once(child.process, "exit"))));
}
const APPROVER = "controller@co.com";

export interface ProcessStoreSetup {
  /** JSON the child processes use to open the same store. */
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

function client(store: ReceiptStore) {
  const { workflow, counter } = countingWorkflow();
  const enact = new EnactClient({
    secret: TEST_SECRET,
    receiptStore: store,
    workflows: [workflow],
    policies: [requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500)],
    approvers: [APPROVER],
  });
  const request = { workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload: { to: "jane@acme.com", amount: 900 } };
  return { enact, counter, request };
}

async function approvedRequest(store: ReceiptStore): Promise<string> {
  const { enact, request } = client(store);
  const [result] = await enact.run(request);
  const id = result.approvalRequestId as string;
  await enact.approve(id, { approver: APPROVER });
  return id;
}

function gather(children: ChildScript[]): Promise<string[]> {
  return Promise.all(children.map(async (child) => JSON.parse(await child.line((l) => l.startsWith("["))) as string[])).then((all) => all.flat());
}

/** Approvals, the kill switch and the thermal cutout across separate Node processes sharing one store. */
/**
 * `skipReason`: why this store cannot be shared by several processes here (it is then skipped,
 * saying so in the suite's name).
 */
export function describeAcrossProcesses(name: string, setup: () => Promise<ProcessStoreSetup>, skipReason?: string): void {
  describe.skipIf(skipReason !== undefined)(`approvals across processes with ${name}${skipReason === undefined ? "" : ` (${skipReason})`}`, () => {
    it("executes an approval used by 20 concurrent runs in 4 processes exactly once", async () => {
      const { childStore, store, scratch } = await setup();
      const approvalId = await approvedRequest(store);
      const ledger = join(scratch, "race.ledger");
      const config = JSON.stringify({ store: childStore, mode: "race", ledger, approvalId, runs: 5 });
      const children = Array.from({ length: 4 }, () => new ChildScript(CHILD, [config]));
      await Promise.all(children.map((child) => child.line((l) => l === "READY")));
      for (const child of children) child.send("go");
      const decisions = await gather(children);
      await exited(children);
      expect(decisions).toHaveLength(20);
      expect(decisions.filter((decision) => decision === "PASS")).toHaveLength(1);
      expect(decisions.filter((decision) => decision === "BLOCK")).toHaveLength(19);
      expect(await executions(ledger)).toBe(1);
    });

    it("never re-runs an approval whose process was killed after claiming it", async () => {
      const { childStore, store, scratch } = await setup();
      const approvalId = await approvedRequest(store);
      const ledger = join(scratch, "crash.ledger");
      const child = new ChildScript(CHILD, [JSON.stringify({ store: childStore, mode: "hang", ledger, approvalId })]);
      await child.line((l) => l === "EXECUTING");
      await child.kill();
      const { enact, counter, request } = client(store);
      const [, receipt] = await enact.run({ ...request, approvalId });
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)?.reason).toMatch(new RegExp(`^approval ${approvalId} was already used by run `));
      expect(counter.executions).toBe(0);
      expect(await executions(ledger)).toBe(1);
    });

    it("blocks a second process's run by kill_switch once the store is halted", async () => {
      const { childStore, store, scratch } = await setup();
      const { enact } = client(store);
      await enact.halt({ by: "oncall@co.com", reason: "incident 42" });
      const child = new ChildScript(CHILD, [JSON.stringify({ store: childStore, mode: "once", ledger: join(scratch, "halt.ledger") })]);
      expect(JSON.parse(await child.line((l) => l.startsWith("{")))).toEqual({ decision: "BLOCK", policy: "kill_switch" });
      await exited([child]);
      expect(await executions(join(scratch, "halt.ledger"))).toBe(0);
    });

    it("counts the thermal cutout across 4 processes: 3 runs per hour in all execute", async () => {
      const { childStore, scratch } = await setup();
      const ledger = join(scratch, "cutout.ledger");
      const config = JSON.stringify({ store: childStore, mode: "cutout", ledger, runs: 3 });
      const children = Array.from({ length: 4 }, () => new ChildScript(CHILD, [config]));
      await Promise.all(children.map((child) => child.line((l) => l === "READY")));
      for (const child of children) child.send("go");
      const decisions = await gather(children);
      await exited(children);
      expect(decisions.filter((decision) => decision === "PASS")).toHaveLength(3);
      expect(decisions.filter((decision) => decision === "BLOCK")).toHaveLength(9);
      expect(await executions(ledger)).toBe(3);
    });
  });
}
