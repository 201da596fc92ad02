import { afterAll, describe, expect, it } from "vitest";
import { EnactClient, FileReceiptStore, type ReceiptStore } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { requireApproval } from "enact-sdk/policies";
import { CLI_SECRET, runCli, tempDirectory } from "../support/cli.js";
import { countingWorkflow } from "../support/counting-workflow.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";
import { dropStoreTables } from "../../src/stores/postgres-tables.js";

const AGENT = "billing-agent@co.com";
const APPROVER = "controller@co.com";
const APPROVERS = { ENACT_APPROVERS: `${APPROVER}, cfo@co.com` };

function agent(store: ReceiptStore) {
  const { workflow, counter } = countingWorkflow();
  const enact = new EnactClient({
    secret: CLI_SECRET,
    receiptStore: store,
    workflows: [workflow],
    policies: [requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500, { reason: "Refunds over 500 need a person" })],
  });
  return { enact, counter, request: { workflow: "send_invoice", actorEmail: AGENT, payload: { to: "jane@acme.com", amount: 900 } } };
}

describe("enact-sdk approvals, approve, deny", () => {
  it("walks a request through: the agent asks, a person approves in the CLI, the agent's run executes once", async () => {
    const dir = await tempDirectory();
    const { enact, counter, request } = agent(new FileReceiptStore(dir));
    const [pending] = await enact.run(request);
    const id = pending.approvalRequestId as string;

    const listed = await runCli(["approvals", dir]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("needs approval: large_refund: Refunds over 500 need a person");

    const approved = await runCli(["approve", id, dir, "--by", APPROVER, "--note", "invoice checked"], { env: APPROVERS });
    expect(approved.stderr).toBe("");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^Approved ${id} by ${APPROVER} at `));

    const [result, receipt] = await enact.run({ ...request, approvalId: id });
    expect(result.success).toBe(true);
    expect(receipt.approval?.approver).toBe(APPROVER);
    expect((await enact.run({ ...request, approvalId: id }))[1].decision).toBe("BLOCK");
    expect(counter.executions).toBe(1);
    expect(JSON.parse((await runCli(["approvals", dir, "--json"])).stdout)).toEqual([]);
  });

  it("refuses to approve without ENACT_APPROVERS (fail closed), and a person not listed in it", async () => {
    const dir = await tempDirectory();
    const { enact, request } = agent(new FileReceiptStore(dir));
    const id = (await enact.run(request))[0].approvalRequestId as string;
    const unconfigured = await runCli(["approve", id, dir, "--by", APPROVER]);
    expect(unconfigured.code).toBe(8);
    expect(unconfigured.stderr).toContain("ENACT_APPROVERS is not set");
    const stranger = await runCli(["approve", id, dir, "--by", "intern@co.com"], { env: APPROVERS });
    expect(stranger.code).toBe(8);
    expect(stranger.stderr).toContain("not_an_approver");
    const self = await runCli(["approve", id, dir, "--by", AGENT], { env: { ENACT_APPROVERS: AGENT } });
    expect(self.code).toBe(8);
    expect(self.stderr).toContain("self_approval");
  });

  it("denies a request with --json, after which the approval can never be used", async () => {
    const dir = await tempDirectory();
    const { enact, request, counter } = agent(new FileReceiptStore(dir));
    const id = (await enact.run(request))[0].approvalRequestId as string;
    const denied = await runCli(["deny", id, dir, "--by", APPROVER, "--reason", "duplicate refund", "--json"], { env: APPROVERS });
    expect(denied.code).toBe(0);
    expect(JSON.parse(denied.stdout)).toMatchObject({ kind: "approval_decision", id, decision: "denied", approver: APPROVER, reason: "duplicate refund" });
    expect((await enact.run({ ...request, approvalId: id }))[1].decision).toBe("BLOCK");
    expect(counter.executions).toBe(0);
  });

  it("reports a missing directory with exit code 4", async () => {
    const result = await runCli(["approvals", "/nonexistent/enact-receipts"]);
    expect(result.code).toBe(4);
  });
});

describe("enact-sdk halt, unhalt", () => {
  it("halts every client on the store until unhalted", async () => {
    const dir = await tempDirectory();
    const { enact, request } = agent(new FileReceiptStore(dir));
    const small = { ...request, payload: { to: "jane@acme.com", amount: 5 } };
    const halted = await runCli(["halt", dir, "--by", "oncall@co.com", "--reason", "runaway agent"]);
    expect(halted.code).toBe(0);
    expect(halted.stdout).toContain("Halted by oncall@co.com");
    const [, blocked] = await enact.run(small);
    expect(blocked.policyResults.at(-1)).toMatchObject({ policy: "kill_switch", passed: false });
    const unhalted = await runCli(["unhalt", dir, "--by", "oncall@co.com", "--json"]);
    expect(JSON.parse(unhalted.stdout)).toMatchObject({ kind: "halt", halted: false, by: "oncall@co.com" });
    expect(await enact.haltStatus()).toMatchObject({ halted: false });
  });

  it("requires --reason to halt", async () => {
    const dir = await tempDirectory();
    expect((await runCli(["halt", dir, "--by", "oncall@co.com"])).code).toBe(2);
  });
});

describe("the approval commands with --database-url", () => {
  const prefixes: string[] = [];
  const stores: PostgresReceiptStore[] = [];
  afterAll(async () => {
    const db = await getTestDatabase();
    await Promise.all(stores.map((store) => store.close()));
    for (const prefix of prefixes) {
      await dropStoreTables(db.admin, prefix);
    }
    await releaseTestDatabase();
  });

  it("lists, approves and halts on a Postgres store", async () => {
    const db = await getTestDatabase();
    const prefix = `${db.uniqueName("enact")}_`;
    prefixes.push(prefix);
    const store = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix });
    stores.push(store);
    const { enact, request, counter } = agent(store);
    const id = (await enact.run(request))[0].approvalRequestId as string;
    const where = ["--database-url", db.connectionString, "--table-prefix", prefix];
    const listed = JSON.parse((await runCli(["approvals", ...where, "--json"])).stdout) as { id: string }[];
    expect(listed.map((pending) => pending.id)).toEqual([id]);
    expect((await runCli(["approve", id, ...where, "--by", APPROVER], { env: APPROVERS })).code).toBe(0);
    expect((await enact.run({ ...request, approvalId: id }))[1].decision).toBe("PASS");
    expect(counter.executions).toBe(1);
    expect((await runCli(["halt", ...where, "--by", "oncall@co.com", "--reason", "drill"])).code).toBe(0);
    expect(await enact.haltStatus()).toMatchObject({ halted: true, reason: "drill" });
  });
});
