import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineWorkflow, definePolicy, EnactClient, FileReceiptStore, type ActionResult } from "enact-sdk";
import { requireApproval } from "enact-sdk/policies";
import { openUi } from "../../src/ui/open-ui.js";
import { startUiServer, type UiServer } from "../../src/ui/server.js";
import { countingWorkflow } from "../support/counting-workflow.js";

/** The secret the page's test stores are signed with (never sent to the browser: tests check). */
export const UI_SECRET = "ui-test-secret-0123456789abcdef-0123456789-zz";
export const AGENT = "sales-agent@co.com";
export const APPROVER = "controller@co.com";
export const XSS = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`;

/** A deal update whose receipt carries the properties before (rollbackData) and after (output). */
const updateDeal = defineWorkflow("update_deal", async (ctx): Promise<ActionResult[]> => [
  {
    action: "update_deal",
    system: "hubspot",
    success: true,
    output: { id: "4711", properties: { amount: String(ctx.payload.amount), dealstage: "closedwon" } },
    rollbackData: { objectType: "deals", id: "4711", previousProperties: { amount: "12000", dealstage: "negotiation" } },
  },
]);

const failing = defineWorkflow("sync_crm", async (): Promise<ActionResult[]> => [{ action: "upsert", system: "crm", success: false, output: { error: "crm timed out" } }]);

const noFreeMail = definePolicy("no_free_mail", (ctx) => {
  const free = /@gmail\.com$/.test(String(ctx.payload.contact ?? ""));
  return { policy: "no_free_mail", passed: !free, reason: free ? "Free mail contacts are not allowed" : "Business contact" };
});

/** An agent on `dir` with every kind of run the page shows. */
export function agentOn(dir: string) {
  const { workflow, counter } = countingWorkflow();
  const enact = new EnactClient({
    secret: UI_SECRET,
    receiptStore: new FileReceiptStore(dir),
    workflows: [workflow, updateDeal, failing],
    policies: [noFreeMail, requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500 && ctx.workflow === "send_invoice", { reason: "Refunds over 500 need a person" })],
  });
  return { enact, counter, invoice: (amount: number) => ({ workflow: "send_invoice", actorEmail: AGENT, payload: { to: "jane@acme.com", amount } }) };
}

/** A receipt directory with passes, blocks, a failure, an update with a diff, a hostile payload and an open approval request. */
export async function seededStore(): Promise<{ dir: string; agent: ReturnType<typeof agentOn>; ids: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), "enact-ui-"));
  const agent = agentOn(dir);
  const { enact } = agent;
  const ids: Record<string, string> = {};
  ids.pass = (await enact.run(agent.invoice(120)))[1].runId;
  ids.update = (await enact.run({ workflow: "update_deal", actorEmail: "deals-agent@co.com", payload: { dealId: "4711", amount: 15000 } }))[1].runId;
  ids.block = (await enact.run({ workflow: "send_invoice", actorEmail: AGENT, payload: { to: "x", contact: "bob@gmail.com", amount: 10 } }))[1].runId;
  ids.block2 = (await enact.run({ workflow: "update_deal", actorEmail: "deals-agent@co.com", payload: { contact: "eve@gmail.com", amount: 1 } }))[1].runId;
  ids.failed = (await enact.run({ workflow: "sync_crm", actorEmail: "crm-agent@co.com", payload: { batch: 7 } }))[1].runId;
  ids.xss = (await enact.run({ workflow: "send_invoice", actorEmail: AGENT, payload: { to: XSS, amount: 5, note: XSS } }))[1].runId;
  const [pending, pendingReceipt] = await enact.run(agent.invoice(900));
  ids.pending = pendingReceipt.runId;
  ids.approval = pending.approvalRequestId as string;
  await enact.flush();
  return { dir, agent, ids };
}

/** The page server on `dir`, as `enact-sdk ui dir --as <as>` would start it with ENACT_APPROVERS set. */
export async function startPage(dir: string, options: { as?: string; secret?: string | null; approvers?: string[] } = {}): Promise<{ server: UiServer; close(): Promise<void> }> {
  const secret = options.secret === null ? undefined : (options.secret ?? UI_SECRET);
  const opened = await openUi({
    location: { directory: dir },
    ...(secret === undefined ? {} : { secret }),
    approvers: options.approvers ?? [APPROVER],
    ...(options.as === undefined ? {} : { as: options.as }),
  });
  const server = await startUiServer(opened.service);
  return {
    server,
    async close() {
      await server.close();
      await opened.close();
    },
  };
}
