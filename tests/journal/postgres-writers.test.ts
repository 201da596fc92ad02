import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigurationError, ReceiptExistsError, type Receipt } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { chainEntries, EMPTY_HEAD, entryLine } from "../../src/journal/entry.js";
import { chainWriterEntries, makeSeal, writerEntryText } from "../../src/journal/writer-entry.js";
import { JournalKey } from "../../src/journal/key.js";
import { auditPostgresStore, postgresTables } from "../../src/journal/postgres-source.js";
import type { JournalAnchor } from "../../src/journal/audit.js";
import { CLI_SECRET, makeReceipt, ROOT, TSX } from "../support/cli.js";
import { runInLockstep } from "../support/lockstep.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";
import { DATABASE_URL, dropTables, freshPrefix, sql, useDatabase } from "../support/postgres-journal.js";

/*
 * The Postgres store's journal v2: one chain per writer (store instance), written by one
 * autocommit statement per batch, tied together by a seal chain.
 */
const onServer = (process.env.DATABASE_URL ?? "") !== "";
const prefixes: string[] = [];
const stores: PostgresReceiptStore[] = [];
let pool: pg.Pool;

beforeAll(async () => {
  useDatabase((await getTestDatabase()).connectionString);
  pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  pool.on("error", () => undefined);
});
afterAll(async () => {
  for (const store of stores) await store.close();
  await pool.end();
  for (const prefix of prefixes) await dropTables(prefix);
  await releaseTestDatabase();
});

function prefix(): string {
  const fresh = freshPrefix();
  prefixes.push(fresh);
  return fresh;
}

/** A store (one writer) that seals only when flushed, so each test decides what is sealed. */
function writer(tablePrefix: string, options: { pool?: pg.Pool; holdAppendConnection?: boolean } = {}): PostgresReceiptStore {
  const store = new PostgresReceiptStore({ connectionString: DATABASE_URL, tablePrefix, secret: CLI_SECRET, sealIntervalMs: Infinity, ...options });
  stores.push(store);
  return store;
}

async function writeAll(store: PostgresReceiptStore, count: number): Promise<Receipt[]> {
  const receipts = Array.from({ length: count }, (_, n) => makeReceipt({ payload: { n } }));
  for (const receipt of receipts) await store.write(receipt);
  return receipts;
}

const audit = (tablePrefix: string, anchor?: JournalAnchor) =>
  auditPostgresStore(pool, postgresTables({ tablePrefix }), CLI_SECRET, anchor === undefined ? {} : { anchor });

async function writerOf(tablePrefix: string, runId: string): Promise<string> {
  const { rows } = await sql(`SELECT writer::text AS writer FROM "${tablePrefix}receipts" WHERE run_id = $1`, [runId]);
  return (rows[0] as { writer: string }).writer;
}

/** Two writers, three receipts each, sealed. */
async function twoSealedWriters() {
  const tablePrefix = prefix();
  const a = writer(tablePrefix);
  const b = writer(tablePrefix);
  const fromA = await writeAll(a, 3);
  const fromB = await writeAll(b, 3);
  // Each writer's flush writes its own head row and seals what it finds: B's, then A's.
  await b.flush();
  await a.flush();
  return { tablePrefix, a, b, fromA, fromB, writerA: await writerOf(tablePrefix, fromA[0]!.runId), writerB: await writerOf(tablePrefix, fromB[0]!.runId) };
}

describe("PostgresReceiptStore's per-writer journal", () => {
  /** Counts every statement sent by any pg client while `work` runs (pool.query goes through a client too). */
  async function countStatements(work: () => Promise<unknown>): Promise<number> {
    const query = pg.Client.prototype.query;
    let statements = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof query>) {
      statements += 1;
      return query.apply(this, args);
    } as typeof query;
    try {
      await work();
    } finally {
      pg.Client.prototype.query = query;
    }
    return statements;
  }

  it("stores one receipt and its journal entry with one statement, as one row", async () => {
    const counting = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    counting.on("error", () => undefined);
    const tablePrefix = prefix();
    const store = writer(tablePrefix, { pool: counting });
    await store.write(makeReceipt()); // creates the tables

    const receipt = makeReceipt();
    expect(await countStatements(() => store.write(receipt))).toBe(1);
    await store.close();
    await counting.end();
    const { rows } = await sql(`SELECT writer IS NOT NULL AND seq = 1 AND entry::json ->> 'runId' = run_id::text AS journaled FROM "${tablePrefix}receipts" WHERE run_id = $1`, [receipt.runId]);
    expect(rows).toEqual([{ journaled: true }]);
    expect(await sql(`SELECT count(*)::int AS n FROM "${tablePrefix}journal_entries"`)).toMatchObject({ rows: [{ n: 0 }] });
  });

  it("stores receipts that arrive while a statement is in flight together, with one more statement", async () => {
    const counting = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    counting.on("error", () => undefined);
    const tablePrefix = prefix();
    const store = writer(tablePrefix, { pool: counting });
    await store.write(makeReceipt());

    // The first receipt goes alone; the 49 queued behind it go in the next statement.
    expect(await countStatements(() => Promise.all(Array.from({ length: 50 }, () => store.write(makeReceipt()))))).toBe(2);
    await store.close();
    await counting.end();
    expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 51 }, journal: { entries: 51, problems: [] } });
  });

  it("by default, appends through one checked-out client, not a checkout per receipt", async () => {
    const counting = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    counting.on("error", () => undefined);
    const tablePrefix = prefix();
    const store = writer(tablePrefix, { pool: counting });
    await store.write(makeReceipt()); // creates the tables
    let checkouts = 0;
    counting.on("acquire", () => (checkouts += 1));
    await writeAll(store, 3);
    expect(checkouts).toBe(0);
    await store.close();
    await counting.end();
    expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 4 } });
  });

  it("with holdAppendConnection: false, checks a client out of the pool for each append and gives it back", async () => {
    const counting = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    counting.on("error", () => undefined);
    const tablePrefix = prefix();
    const store = writer(tablePrefix, { pool: counting, holdAppendConnection: false });
    await store.write(makeReceipt()); // creates the tables
    let checkouts = 0;
    counting.on("acquire", () => (checkouts += 1));
    await writeAll(store, 3);
    expect(checkouts).toBe(3);
    expect(counting.idleCount).toBe(counting.totalCount);
    await store.close();
    await counting.end();
    expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 4 } });
  });

  it("gives the appends' held client back to the pool once idle, so a process that never closes its store still exits", async () => {
    const counting = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    counting.on("error", () => undefined);
    // The store's clock, not the wall's: the idle check runs on timers and Date.now().
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const store = writer(prefix(), { pool: counting });
      await store.write(makeReceipt());
      expect(counting.idleCount).toBeLessThan(counting.totalCount);
      await vi.advanceTimersByTimeAsync(900);
      expect(counting.idleCount).toBeLessThan(counting.totalCount);
      await vi.advanceTimersByTimeAsync(1_100);
      expect(counting.idleCount).toBe(counting.totalCount);
      await store.close();
    } finally {
      vi.useRealTimers();
    }
    await counting.end();
  });

  it("refuses only the duplicate run id of a batch, chaining the others of it", async () => {
    const tablePrefix = prefix();
    const store = writer(tablePrefix);
    const taken = makeReceipt();
    await store.write(taken);
    const batch = [makeReceipt(), makeReceipt(), taken, makeReceipt()];

    const results = await Promise.allSettled(batch.map((receipt) => store.write(receipt)));

    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(ReceiptExistsError);
    await store.flush();
    expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 4 }, journal: { entries: 4, problems: [] } });
  });

  it("gives each store its own chain, and seals every chain's head", async () => {
    const { tablePrefix, writerA, writerB } = await twoSealedWriters();
    const { rows } = await sql(`SELECT entry FROM "${tablePrefix}journal_seals" ORDER BY seq`);
    // The newest sealed head of each chain: every entry of both is covered.
    const newest = new Map<string, number>();
    for (const row of rows as { entry: string }[]) {
      for (const [w, seq] of (JSON.parse(row.entry) as { heads: [string, number, string][] }).heads) newest.set(w, seq);
    }
    expect(Object.fromEntries(newest)).toEqual({ [writerA]: 2, [writerB]: 2 });
    expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 6 }, journal: { entries: 6, head: { seq: 1 }, problems: [] } });
  });

  it("refuses a sealIntervalMs that is not a positive number", () => {
    for (const sealIntervalMs of [0, -1, Number.NaN]) {
      expect(() => new PostgresReceiptStore({ connectionString: DATABASE_URL, sealIntervalMs })).toThrow(ConfigurationError);
    }
  });

  describe("verify catches", () => {
    it("an edited entry", async () => {
      const { tablePrefix, writerA } = await twoSealedWriters();
      await sql(`UPDATE "${tablePrefix}receipts" SET entry = regexp_replace(entry, '"signature":"[0-9a-f]', CASE WHEN entry LIKE '%"signature":"0%' THEN '"signature":"1' ELSE '"signature":"0' END) WHERE writer = $1 AND seq = 1`, [writerA]);
      const report = await audit(tablePrefix);
      expect(report.ok).toBe(false);
      expect(report.journal.problems).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`entry 1 of writer ${writerA} has a wrong MAC`))]));
    });

    it("an entry deleted from the middle of a writer's chain", async () => {
      const { tablePrefix, writerB, fromB } = await twoSealedWriters();
      // The entry is in the receipt's row: one DELETE takes both.
      const { rowCount } = await sql(`DELETE FROM "${tablePrefix}receipts" WHERE writer = $1 AND seq = 1`, [writerB]);
      expect(rowCount).toBe(1);
      expect(await sql(`SELECT 1 FROM "${tablePrefix}receipts" WHERE run_id = $1`, [fromB[1]!.runId])).toMatchObject({ rowCount: 0 });
      const report = await audit(tablePrefix);
      expect(report.ok).toBe(false);
      expect(report.journal.problems).toEqual([expect.stringMatching(new RegExp(`entry 1 of writer ${writerB} is missing from the journal`))]);
    });

    it("entries of a writer's chain renumbered into another order", async () => {
      const { tablePrefix, writerA } = await twoSealedWriters();
      for (const [from, to] of [[0, -1], [1, 0], [-1, 1]]) {
        await sql(`UPDATE "${tablePrefix}receipts" SET seq = $3 WHERE writer = $1 AND seq = $2`, [writerA, from, to]);
      }
      const report = await audit(tablePrefix);
      expect(report.ok).toBe(false);
      expect(report.journal.problems).toEqual(
        expect.arrayContaining([expect.stringMatching(new RegExp(`journal entry 0 of writer ${writerA} holds entry 1 .*\\(moved or reordered\\)`))]),
      );
    });

    it("an entry injected without the key, with its receipt", async () => {
      const { tablePrefix, writerA } = await twoSealedWriters();
      const injected = makeReceipt();
      const forged = { v: 2, writer: writerA, seq: 3, runId: injected.runId, signature: injected.signature, prev: "f".repeat(64), mac: "0".repeat(64) };
      await sql(
        `INSERT INTO "${tablePrefix}receipts" (run_id, workflow, actor_email, decision, created_at, receipt, writer, seq, entry) VALUES ($1, $2, $3, $4, $5, $6, $7, 3, $8)`,
        [injected.runId, injected.workflow, injected.actorEmail, injected.decision, injected.timestamp, JSON.stringify(injected), writerA, JSON.stringify(forged)],
      );
      const report = await audit(tablePrefix);
      expect(report.ok).toBe(false);
      expect(report.journal.problems).toEqual([expect.stringMatching(/entry 3 of writer .* has a wrong MAC/)]);
      expect(report.findings).toEqual([expect.objectContaining({ runId: injected.runId, problems: ["not in the journal (injected, or written without the journal)"] })]);
    });

    it("a whole writer's chain deleted, with its receipts, once a seal covered it", async () => {
      const { tablePrefix, writerB, fromB } = await twoSealedWriters();
      await sql(`DELETE FROM "${tablePrefix}journal_writers" WHERE writer = $1`, [writerB]);
      const { rowCount } = await sql(`DELETE FROM "${tablePrefix}receipts" WHERE run_id = ANY($1::uuid[])`, [fromB.map((receipt) => receipt.runId)]);
      expect(rowCount).toBe(3);
      const report = await audit(tablePrefix);
      expect(report.ok).toBe(false);
      expect(report.journal.problems).toEqual([expect.stringMatching(new RegExp(`the chain of writer ${writerB}, sealed up to entry 2 .* is missing from the journal \\(deleted\\)`))]);
    });

    it("a writer's sealed tail cut, with its receipt", async () => {
      const { tablePrefix, writerA, fromA } = await twoSealedWriters();
      const { rowCount } = await sql(`DELETE FROM "${tablePrefix}receipts" WHERE writer = $1 AND seq = 2 AND run_id = $2`, [writerA, fromA[2]!.runId]);
      expect(rowCount).toBe(1);
      const report = await audit(tablePrefix);
      expect(report.ok).toBe(false);
      expect(report.journal.problems).toEqual([expect.stringMatching(new RegExp(`entry 2 of writer ${writerA}, sealed by .*, is missing from the journal \\(its tail was cut\\)`))]);
    });

    it("a cut seal tail, given the anchor verify printed before", async () => {
      const { tablePrefix, a, writerA } = await twoSealedWriters();
      const more = await writeAll(a, 2);
      await a.flush();
      const anchor = (await audit(tablePrefix)).journal.head;
      expect(anchor.seq).toBe(2);
      // Everything since the seals twoSealedWriters made goes: the seal, the entries it covered, their receipts.
      await sql(`DELETE FROM "${tablePrefix}journal_seals" WHERE seq = 2`);
      const { rowCount } = await sql(`DELETE FROM "${tablePrefix}receipts" WHERE writer = $1 AND seq >= 3 AND run_id = ANY($2::uuid[])`, [writerA, more.map((receipt) => receipt.runId)]);
      expect(rowCount).toBe(2);

      expect((await audit(tablePrefix)).ok).toBe(true);
      const anchored = await audit(tablePrefix, anchor);
      expect(anchored.ok).toBe(false);
      expect(anchored.journal.problems).toEqual([expect.stringMatching(/the anchored seal 2 is not in the journal \(its tail was cut/)]);
    });

    it("two authentic entries at one place of a chain (a fork), though no index keeps them apart", async () => {
      const { tablePrefix, writerA, fromA } = await twoSealedWriters();
      // What a writer would write if it reused seq 2 (as after a statement thought lost that committed after all).
      const other = makeReceipt();
      const { rows } = await sql(`SELECT entry FROM "${tablePrefix}receipts" WHERE writer = $1 AND seq = 1`, [writerA]);
      const head = { seq: 1, mac: (JSON.parse((rows[0] as { entry: string }).entry) as { mac: string }).mac };
      const [fork] = chainWriterEntries(JournalKey.fromSecret(CLI_SECRET), writerA, head, [other]);
      await sql(
        `INSERT INTO "${tablePrefix}receipts" (run_id, workflow, actor_email, decision, created_at, receipt, writer, seq, entry) VALUES ($1, $2, $3, $4, $5, $6, $7, 2, $8)`,
        [other.runId, other.workflow, other.actorEmail, other.decision, other.timestamp, JSON.stringify(other), writerA, writerEntryText(fork!)],
      );
      const report = await audit(tablePrefix);
      expect(report.ok).toBe(false);
      expect(report.journal.problems).toEqual(
        expect.arrayContaining([expect.stringMatching(new RegExp(`is a second entry 2 of writer ${writerA} \\(a fork: the first records run (${fromA[2]!.runId}|${other.runId})`))]),
      );
    });

    it("a receipt's journal columns emptied, the receipt kept", async () => {
      const { tablePrefix, writerB, fromB } = await twoSealedWriters();
      await sql(`UPDATE "${tablePrefix}receipts" SET writer = NULL, seq = NULL, entry = NULL WHERE run_id = $1`, [fromB[1]!.runId]);
      const report = await audit(tablePrefix);
      expect(report.ok).toBe(false);
      expect(report.journal.problems).toEqual([expect.stringMatching(new RegExp(`entry 1 of writer ${writerB} is missing from the journal`))]);
      expect(report.findings).toEqual([expect.objectContaining({ runId: fromB[1]!.runId, problems: ["not in the journal (injected, or written without the journal)"] })]);
    });

    it("an entry moved into another receipt's row", async () => {
      const { tablePrefix, writerA, fromA } = await twoSealedWriters();
      await sql(
        `UPDATE "${tablePrefix}receipts" r SET entry = o.entry FROM "${tablePrefix}receipts" o WHERE r.run_id = $1 AND o.run_id = $2`,
        [fromA[0]!.runId, fromA[1]!.runId],
      );
      const report = await audit(tablePrefix);
      expect(report.ok).toBe(false);
      expect(report.journal.problems).toEqual(expect.arrayContaining([expect.stringMatching(/holds entry 1 of writer .* \(moved or reordered\)/)]));
    });

    it("an edited seal", async () => {
      const { tablePrefix } = await twoSealedWriters();
      await sql(`UPDATE "${tablePrefix}journal_seals" SET entry = regexp_replace(entry, '"prev":"0', '"prev":"1') WHERE seq = 0`);
      const report = await audit(tablePrefix);
      expect(report.journal.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^seal row 0 has a wrong MAC/)]));
      expect(report.ok).toBe(false);
    });
  });

  describe("a store written before the single-row layout (entries in their own table)", () => {
    /**
     * The tables and rows the previous version wrote, by SQL: receipts without journal columns,
     * each writer's entries in journal_entries, head rows without head_run_id. `sealed`: whether a
     * seal covers the old writer's head.
     */
    async function twoRowStore(count: number, sealed: boolean) {
      const tablePrefix = prefix();
      const t = (name: string) => `"${tablePrefix}${name}"`;
      await sql(`
        CREATE TABLE ${t("receipts")} (run_id uuid PRIMARY KEY, workflow text NOT NULL, actor_email text NOT NULL, decision text NOT NULL,
          created_at timestamptz NOT NULL, idempotency_key_sha256 text, receipt text NOT NULL);
        CREATE INDEX ON ${t("receipts")} (workflow, created_at);
        CREATE INDEX ON ${t("receipts")} (actor_email, created_at);
        CREATE INDEX ON ${t("receipts")} (created_at, run_id);
        CREATE INDEX ON ${t("receipts")} (idempotency_key_sha256);
        CREATE TABLE ${t("idempotency_keys")} (key_sha256 text PRIMARY KEY, key text NOT NULL, fingerprint text NOT NULL, run_id uuid NOT NULL,
          state text NOT NULL CHECK (state IN ('claimed', 'executing', 'completed')), owner text NOT NULL, workflow text NOT NULL,
          actor_email text NOT NULL, payload text NOT NULL, claimed_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
        CREATE TABLE ${t("journal_entries")} (writer uuid NOT NULL, seq bigint NOT NULL, entry text NOT NULL, PRIMARY KEY (writer, seq));
        CREATE TABLE ${t("journal_writers")} (writer uuid PRIMARY KEY, head_seq bigint NOT NULL, head_mac text NOT NULL,
          sealed_seq bigint NOT NULL DEFAULT -1, updated_at timestamptz NOT NULL);
        CREATE TABLE ${t("journal_seals")} (seq bigint PRIMARY KEY, entry text NOT NULL);`);
      const key = JournalKey.fromSecret(CLI_SECRET);
      const oldWriter = "00000000-0000-4000-8000-00000000000a";
      const receipts = Array.from({ length: count }, (_, n) => makeReceipt({ payload: { old: n } }));
      const entries = chainWriterEntries(key, oldWriter, EMPTY_HEAD, receipts);
      for (const [index, receipt] of receipts.entries()) {
        await sql(
          `INSERT INTO ${t("receipts")} (run_id, workflow, actor_email, decision, created_at, receipt) VALUES ($1, $2, $3, $4, $5, $6)`,
          [receipt.runId, receipt.workflow, receipt.actorEmail, receipt.decision, receipt.timestamp, JSON.stringify(receipt)],
        );
        await sql(`INSERT INTO ${t("journal_entries")} (writer, seq, entry) VALUES ($1, $2, $3)`, [oldWriter, index, writerEntryText(entries[index]!)]);
      }
      const head = entries[entries.length - 1]!;
      await sql(`INSERT INTO ${t("journal_writers")} (writer, head_seq, head_mac, sealed_seq, updated_at) VALUES ($1, $2, $3, $4, now())`, [
        oldWriter,
        head.seq,
        head.mac,
        sealed ? head.seq : -1,
      ]);
      if (sealed) await sql(`INSERT INTO ${t("journal_seals")} (seq, entry) VALUES (0, $1)`, [writerEntryText(makeSeal(key, EMPTY_HEAD, [[oldWriter, head.seq, head.mac]]))]);
      return { tablePrefix, receipts, oldWriter };
    }

    it("verifies before any new version writes to it", async () => {
      const { tablePrefix } = await twoRowStore(3, true);
      expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 3 }, journal: { entries: 3, head: { seq: 0 }, problems: [] } });
    });

    it("takes new receipts into their own rows, seals the old writer's head found in the entries table, and verifies both", async () => {
      const { tablePrefix, oldWriter } = await twoRowStore(3, false);
      const store = writer(tablePrefix);
      const fresh = await writeAll(store, 2);
      await store.flush();

      const { rows: columns } = await sql(`SELECT count(*)::int AS n FROM "${tablePrefix}receipts" WHERE entry IS NOT NULL`);
      expect(columns[0]).toEqual({ n: 2 });
      const { rows: old } = await sql(`SELECT count(*)::int AS n FROM "${tablePrefix}journal_entries"`);
      expect(old[0]).toEqual({ n: 3 });
      const { rows: seals } = await sql(`SELECT entry FROM "${tablePrefix}journal_seals" ORDER BY seq`);
      const heads = (JSON.parse((seals[seals.length - 1] as { entry: string }).entry) as { heads: [string, number, string][] }).heads;
      expect(Object.fromEntries(heads.map(([w, seq]) => [w, seq]))).toEqual({ [oldWriter]: 2, [await writerOf(tablePrefix, fresh[0]!.runId)]: 1 });
      expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 5 }, journal: { entries: 5, head: { seq: 0 }, problems: [] } });
    });

    it("still names a receipt deleted from the old part as missing, and catches an old entry cut", async () => {
      const { tablePrefix, receipts, oldWriter } = await twoRowStore(3, true);
      const store = writer(tablePrefix);
      await writeAll(store, 2);
      await store.flush();
      await sql(`DELETE FROM "${tablePrefix}receipts" WHERE run_id = $1`, [receipts[1]!.runId]);
      expect(await audit(tablePrefix)).toMatchObject({ ok: false, counts: { valid: 4, missing: 1 } });
      await sql(`DELETE FROM "${tablePrefix}journal_entries" WHERE writer = $1 AND seq = 2`, [oldWriter]);
      expect((await audit(tablePrefix)).journal.problems).toEqual(
        expect.arrayContaining([expect.stringMatching(new RegExp(`entry 2 of writer ${oldWriter}, sealed by .*, is missing from the journal \\(its tail was cut\\)`))]),
      );
    });
  });

  describe("a store written by the single-chain journal (v1)", () => {
    /** Receipts and v1 journal rows as the previous version wrote them. */
    async function v1Store(count: number): Promise<{ tablePrefix: string; receipts: Receipt[] }> {
      const tablePrefix = prefix();
      const setup = writer(tablePrefix);
      await setup.migrate();
      await sql(`CREATE TABLE "${tablePrefix}journal" (seq bigint PRIMARY KEY, entry text NOT NULL)`);
      const receipts = Array.from({ length: count }, (_, n) => makeReceipt({ payload: { v1: n } }));
      const entries = chainEntries(JournalKey.fromSecret(CLI_SECRET), EMPTY_HEAD, receipts);
      for (const [index, receipt] of receipts.entries()) {
        await sql(
          `INSERT INTO "${tablePrefix}receipts" (run_id, workflow, actor_email, decision, created_at, receipt) VALUES ($1, $2, $3, $4, $5, $6)`,
          [receipt.runId, receipt.workflow, receipt.actorEmail, receipt.decision, receipt.timestamp, JSON.stringify(receipt)],
        );
        await sql(`INSERT INTO "${tablePrefix}journal" (seq, entry) VALUES ($1, $2)`, [index, entryLine(entries[index]!).trimEnd()]);
      }
      return { tablePrefix, receipts };
    }

    it("keeps verifying", async () => {
      const { tablePrefix } = await v1Store(3);
      expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 3 }, journal: { entries: 3, head: { seq: 2 }, problems: [] } });
    });

    it("takes new receipts into writer chains, leaving the v1 chain as it was, and verifies both", async () => {
      const { tablePrefix } = await v1Store(3);
      const store = writer(tablePrefix);
      await writeAll(store, 2);
      await store.flush();
      const { rows } = await sql(`SELECT count(*)::int AS n FROM "${tablePrefix}journal"`);
      expect(rows[0]).toEqual({ n: 3 });
      expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 5 }, journal: { entries: 5, head: { seq: 0 }, problems: [] } });
    });

    it("accepts an anchor recorded before the upgrade, and refuses one that the v1 chain lost", async () => {
      const { tablePrefix } = await v1Store(3);
      const before = (await audit(tablePrefix)).journal.head;
      const store = writer(tablePrefix);
      await writeAll(store, 2);
      await store.flush();

      expect(await audit(tablePrefix, before)).toMatchObject({ ok: true, journal: { head: { seq: 0 }, problems: [] } });
      await sql(`DELETE FROM "${tablePrefix}journal" WHERE seq = 2`);
      expect((await audit(tablePrefix, before)).journal.problems).toEqual(
        expect.arrayContaining([expect.stringMatching(/the anchored seal 2 is not in the journal/)]),
      );
    });

    it("still catches a receipt deleted from the v1 part", async () => {
      const { tablePrefix, receipts } = await v1Store(3);
      await writeAll(writer(tablePrefix), 2);
      await sql(`DELETE FROM "${tablePrefix}receipts" WHERE run_id = $1`, [receipts[1]!.runId]);
      expect(await audit(tablePrefix)).toMatchObject({ ok: false, counts: { valid: 4, missing: 1 } });
    });
  });

  describe.skipIf(!onServer)("writers in several processes (needs DATABASE_URL: PGlite serves one statement at a time)", () => {
    it("append without waiting while another session holds the seal lock, and verify once it is free", { timeout: 60_000 }, async () => {
      const tablePrefix = prefix();
      const setup = writer(tablePrefix);
      await setup.migrate();
      // The only lock a writer ever asks for; under the v1 journal every append waited on its own.
      const holder = new pg.Client({ connectionString: DATABASE_URL });
      await holder.connect();
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`enact-sdk:journal-seal:${postgresTables({ tablePrefix }).seals}`]);
      try {
        const script = join(ROOT, "tests/support/journal-writer.ts");
        const results = await runInLockstep([1, 2, 3].map(() => ["--import", TSX, script, `pg:${tablePrefix}`, "20"]), 20, { DATABASE_URL });
        expect(results.map((result) => [result.code, result.stderr])).toEqual([[0, ""], [0, ""], [0, ""]]);
        const { rows } = await sql(`SELECT count(*)::int AS n FROM "${tablePrefix}journal_seals"`);
        expect(rows[0]).toEqual({ n: 0 });
      } finally {
        await holder.query("ROLLBACK");
        await holder.end();
      }
      expect(await setup.flush()).toBeUndefined();
      const report = await audit(tablePrefix);
      expect(report).toMatchObject({ ok: true, counts: { valid: 60 }, journal: { entries: 60, head: { seq: 0 }, problems: [] } });
      const { rows } = await sql(`SELECT count(*)::int AS n FROM "${tablePrefix}journal_writers" WHERE sealed_seq = head_seq`);
      expect(rows[0]).toEqual({ n: 3 });
    });
  });
});
