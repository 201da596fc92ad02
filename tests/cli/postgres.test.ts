import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTestDatabase, releaseTestDatabase, unusedLoopbackPort } from "../support/database.js";
import { CLI_SECRET, makeReceipt, runCli } from "../support/cli.js";
import { DATABASE_URL, dropTables, useDatabase, fillPostgres, freshPrefix, sql } from "../support/postgres-journal.js";

const prefixes: string[] = [];
beforeAll(async () => {
  useDatabase((await getTestDatabase()).connectionString);
});
afterAll(async () => {
  for (const prefix of prefixes) await dropTables(prefix);
  await releaseTestDatabase();
});

/** A fresh store with `count` journaled receipts; returns its prefix and receipts. */
async function store(count: number, concurrency?: number) {
  const prefix = freshPrefix();
  prefixes.push(prefix);
  return { prefix, receipts: await fillPostgres(prefix, count, concurrency) };
}

function cli(prefix: string, ...args: string[]) {
  return runCli([...args, "--database-url", DATABASE_URL, "--table-prefix", prefix]);
}

async function verifyJson(prefix: string) {
  const result = await cli(prefix, "verify", "--json");
  return { code: result.code, report: JSON.parse(result.stdout) as { counts: Record<string, number>; findings: { runId: string; status: string; problems: string[] }[]; journal: { entries: number; problems: string[] } } };
}

describe("enact-sdk on a Postgres store (--database-url)", () => {
  it("verifies a valid store with exit 0", async () => {
    const { prefix } = await store(5);
    const result = await cli(prefix, "verify");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Receipts: 5 valid, 0 invalid, 0 missing, 0 unreadable (5 in all)");
    expect(result.stdout).toMatch(/^Verifying receipts in postgres:\/\//);
  });

  it("names an edited receipt and exits 1", async () => {
    const { prefix, receipts } = await store(5);
    const target = receipts[2]!;
    await sql(`UPDATE "${prefix}receipts" SET receipt = replace(receipt, '"PASS"', '"BLOCK"') WHERE run_id = $1`, [target.runId]);
    const { code, report } = await verifyJson(prefix);
    expect(code).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ runId: target.runId, status: "invalid", problems: [expect.stringMatching(/^signature invalid/)] })]);
  });

  // The receipt's row holds its journal entry: deleting the row leaves a gap in its writer's chain,
  // named by position (the run id went with the row).
  it("reports a deleted receipt as a gap in its writer's chain and exits 1", async () => {
    const { prefix, receipts } = await store(5);
    await sql(`DELETE FROM "${prefix}receipts" WHERE run_id = $1`, [receipts[0]!.runId]);
    const { code, report } = await verifyJson(prefix);
    expect(code).toBe(1);
    expect(report.counts).toEqual({ receipts: 4, valid: 4, invalid: 0, missing: 0, unreadable: 0, interrupted: 0, unsealed: 0 });
    expect(report.journal.problems).toEqual([expect.stringMatching(/^entry 0 of writer [0-9a-f-]{36} is missing from the journal/)]);
  });

  it("catches a row swapped for another validly signed receipt", async () => {
    const { prefix, receipts } = await store(5);
    const [first, second] = [receipts[0]!, receipts[1]!];
    await sql(`UPDATE "${prefix}receipts" SET receipt = $2 WHERE run_id = $1`, [first.runId, JSON.stringify(second)]);
    const { code, report } = await verifyJson(prefix);
    expect(code).toBe(1);
    expect(report.findings[0]?.problems).toEqual([`holds run "${second.runId}", not ${first.runId} (moved or swapped)`, expect.stringMatching(/not the receipt the journal recorded/)]);
  });

  it("reports a truncated receipt as unreadable and exits 5", async () => {
    const { prefix, receipts } = await store(5);
    await sql(`UPDATE "${prefix}receipts" SET receipt = left(receipt, 40) WHERE run_id = $1`, [receipts[4]!.runId]);
    const { code, report } = await verifyJson(prefix);
    expect(code).toBe(5);
    expect(report.counts).toMatchObject({ valid: 4, unreadable: 1 });
  });

  it("refuses a receipt row that repeats a key, which a first-wins reader would read otherwise", async () => {
    const { prefix, receipts } = await store(3);
    // The signed "PASS" stays last (JSON.parse keeps it); a first-wins reader would see "BLOCK".
    await sql(`UPDATE "${prefix}receipts" SET receipt = regexp_replace(receipt, '^\\{', '{"decision":"BLOCK",') WHERE run_id = $1`, [receipts[0]!.runId]);
    const { code, report } = await verifyJson(prefix);
    expect(code).toBe(5);
    expect(report.findings).toEqual([expect.objectContaining({ runId: receipts[0]!.runId, status: "unreadable", problems: [expect.stringMatching(/"decision" twice/)] })]);
  });

  it("catches a validly signed receipt inserted without a journal entry", async () => {
    const { prefix } = await store(3);
    const injected = makeReceipt();
    await sql(
      `INSERT INTO "${prefix}receipts" (run_id, workflow, actor_email, decision, created_at, receipt) VALUES ($1, $2, $3, $4, $5, $6)`,
      [injected.runId, injected.workflow, injected.actorEmail, injected.decision, injected.timestamp, JSON.stringify(injected)],
    );
    const { code, report } = await verifyJson(prefix);
    expect(code).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ runId: injected.runId, problems: ["not in the journal (injected, or written without the journal)"] })]);
  });

  it("catches journal rows renumbered into another order", async () => {
    const { prefix } = await store(4, 1);
    for (const [from, to] of [[1, -1], [2, 1], [-1, 2]]) await sql(`UPDATE "${prefix}receipts" SET seq = $2 WHERE seq = $1`, [from, to]);
    const { code, report } = await verifyJson(prefix);
    expect(code).toBe(1);
    expect(report.journal.problems).toEqual([
      expect.stringMatching(/^journal entry 1 of writer [0-9a-f-]{36} holds entry 2 of writer [0-9a-f-]{36} \(moved or reordered\)$/),
      expect.stringMatching(/^journal entry 2 of writer [0-9a-f-]{36} holds entry 1 of writer [0-9a-f-]{36} \(moved or reordered\)$/),
      expect.stringMatching(/^entries 1–2 of writer [0-9a-f-]{36} are missing from the journal/),
    ]);
  });

  it("lists and shows receipts from the database", async () => {
    const { prefix, receipts } = await store(3);
    const list = await cli(prefix, "list", "--json");
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).receipts).toHaveLength(3);
    const show = await cli(prefix, "show", receipts[1]!.runId);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/signature +VALID/);
  });

  it("reports a store whose receipt column was altered to jsonb as damaged, with exit 5", async () => {
    const { prefix } = await store(2);
    await sql(`ALTER TABLE "${prefix}receipts" ALTER COLUMN receipt TYPE jsonb USING receipt::jsonb`);
    const result = await cli(prefix, "verify");
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`The receipt store table "${prefix}receipts" is damaged: its column receipt is jsonb, not text.`);
  });

  it("exits 4 when the store's tables are not in the database", async () => {
    const result = await cli("nothing_here_", "verify");
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('The database has no receipt table "nothing_here_receipts"');
  });

  it("exits 4 without printing the password when the database cannot be reached", async () => {
    const port = await unusedLoopbackPort();
    const result = await runCli(["verify", "--database-url", `postgres://postgres:hunter2-secret@127.0.0.1:${port}/test`]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`Cannot read the database postgres://postgres@127.0.0.1:${port}/test`);
    expect(result.stderr).not.toContain("hunter2");
  });

  it("verifies 10,000 receipts with exact counts", { timeout: 120_000 }, async () => {
    const { prefix, receipts } = await store(10_000);
    // Mid-batch receipts: a batch's first receipt goes alone, so it can be a sealed head, and
    // deleting a sealed head is reported once more (its tail cut), depending on when a seal fell.
    await sql(`DELETE FROM "${prefix}receipts" WHERE run_id = ANY($1::uuid[])`, [[receipts[7]!.runId, receipts[7250]!.runId]]);
    await sql(`UPDATE "${prefix}receipts" SET receipt = replace(receipt, 'agent@company.com', 'x@company.com') WHERE run_id = $1`, [receipts[70]!.runId]);
    const { code, report } = await verifyJson(prefix);
    expect(code).toBe(1);
    expect(report.counts).toEqual({ receipts: 9_998, valid: 9_997, invalid: 1, missing: 0, unreadable: 0, interrupted: 0, unsealed: 0 });
    // Each deleted row took its journal entry: two gaps in the chains.
    expect(report.journal.entries).toBe(9_998);
    expect(report.journal.problems).toEqual([
      expect.stringMatching(/^entry \d+ of writer [0-9a-f-]{36} is missing from the journal/),
      expect.stringMatching(/^entry \d+ of writer [0-9a-f-]{36} is missing from the journal/),
    ]);
  });

  it("uses the secret: every receipt is invalid under another one", async () => {
    const { prefix } = await store(2);
    const result = await runCli(["verify", "--json", "--database-url", DATABASE_URL, "--table-prefix", prefix], { env: { ENACT_SECRET: `${CLI_SECRET}-other` } });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ valid: 0, invalid: 2 });
  });
});
