import { afterAll, describe, expect, it } from "vitest";
import { EnactClient } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { requireApproval } from "enact-sdk/policies";
import { dropStoreTables } from "../../src/stores/postgres-tables.js";
import { openUi } from "../../src/ui/open-ui.js";
import { CSRF_HEADER, startUiServer } from "../../src/ui/server.js";
import { countingWorkflow } from "../support/counting-workflow.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";
import { AGENT, APPROVER, UI_SECRET } from "./ui-fixture.js";

describe("enact-sdk ui on a PostgresReceiptStore (--database-url)", () => {
  const prefixes: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    const db = await getTestDatabase();
    for (const prefix of prefixes) await dropStoreTables(db.admin, prefix);
    await releaseTestDatabase();
  });

  it("lists and verifies the database's receipts, approves a request and halts, each as a signed record there", async () => {
    const db = await getTestDatabase();
    const prefix = `${db.uniqueName("enact")}_`;
    prefixes.push(prefix);
    const store = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix });
    closers.push(() => store.close());
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({
      secret: UI_SECRET,
      receiptStore: store,
      workflows: [workflow],
      policies: [requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500, { reason: "Refunds over 500 need a person" })],
    });
    const request = { workflow: "send_invoice", actorEmail: AGENT, payload: { to: "jane@acme.com", amount: 900 } };
    await enact.run({ ...request, payload: { to: "jane@acme.com", amount: 10 } });
    const id = (await enact.run(request))[0].approvalRequestId as string;
    await enact.flush();

    const opened = await openUi({ location: { directory: "unused", databaseUrl: db.connectionString, tablePrefix: prefix }, secret: UI_SECRET, approvers: [APPROVER], as: APPROVER });
    const server = await startUiServer(opened.service);
    closers.push(async () => {
      await server.close();
      await opened.close();
    });
    const signIn = await fetch(server.url, { redirect: "manual" });
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const get = async <T>(path: string): Promise<T> => (await (await fetch(`${server.origin}${path}`, { headers: { cookie } })).json()) as T;
    const { csrf } = await get<{ csrf: string }>("/api/session");
    const post = (path: string, body: unknown) =>
      fetch(`${server.origin}${path}`, { method: "POST", headers: { cookie, origin: server.origin, [CSRF_HEADER]: csrf, "content-type": "application/json" }, body: JSON.stringify(body) });

    const list = await get<{ total: number; rows: { decision: string; verification: { signature: string; journal: string } }[] }>("/api/receipts");
    expect(list.total).toBe(2);
    expect(list.rows.map((row) => row.decision)).toEqual(["PENDING_APPROVAL", "PASS"]);
    expect(list.rows.map((row) => row.verification)).toEqual([
      { signature: "valid", journal: "recorded", journalSeq: expect.any(Number) },
      { signature: "valid", journal: "recorded", journalSeq: expect.any(Number) },
    ]);

    expect((await post(`/api/approvals/${id}/approve`, { note: "checked" })).status).toBe(200);
    expect((await enact.run({ ...request, approvalId: id }))[1].decision).toBe("PASS");
    expect(counter.executions).toBe(2);

    expect((await post("/api/halt", { reason: "drill" })).status).toBe(200);
    expect(await enact.haltStatus()).toMatchObject({ halted: true, by: APPROVER, reason: "drill" });
  });

  it("answers the first page from the newest rows by its time index, the same page the full index gives", async () => {
    const db = await getTestDatabase();
    const prefix = `${db.uniqueName("enact")}_`;
    prefixes.push(prefix);
    const store = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix });
    closers.push(() => store.close());
    const { workflow } = countingWorkflow();
    const enact = new EnactClient({ secret: UI_SECRET, receiptStore: store, workflows: [workflow] });
    for (let amount = 1; amount <= 12; amount += 1) await enact.run({ workflow: "send_invoice", actorEmail: AGENT, payload: { to: "jane@acme.com", amount } });
    await enact.flush();
    const opened = await openUi({ location: { directory: "unused", databaseUrl: db.connectionString, tablePrefix: prefix }, secret: UI_SECRET, approvers: [APPROVER] });
    closers.push(() => opened.close());

    const early = await opened.service.list({ page: 0, pageSize: 5 });
    expect([early.complete, early.total, early.rows.length]).toEqual([false, 12, 5]);
    await opened.service.index.refresh();
    const built = await opened.service.list({ page: 0, pageSize: 5 });
    expect(built.complete).toBe(true);
    expect(built.rows).toEqual(early.rows);
  });
});
