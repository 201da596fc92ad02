import pg from "pg";
import { PostgresConnector, startEmbeddedPostgres } from "../../src/connectors/postgres.js";
import { insertStatement, parseTableName, selectStatement } from "../../src/connectors/postgres/statements.js";
import { concurrent, interleave, summarize, type Sample, type Stats } from "../harness.js";
import type { Report } from "../report.js";
import type { Settings } from "../settings.js";

const SECTION = "3 postgres";
const IN_FLIGHT = 32;

const TARGET = {
  id: "postgres-connector",
  description: "PostgresConnector vs raw pg.Pool (worst of insert/select, sequential/32 in flight)",
  unit: "×",
  comparison: "<=",
  limit: 1.15,
} as const;

/**
 * `PostgresConnector.insertRow` / `selectRows` against the same statements through a raw
 * `pg.Pool` (the same pool), sequentially and with 32 in flight, on DATABASE_URL or the
 * embedded PGlite.
 */
export async function postgres(report: Report, settings: Settings): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  const embedded = serverUrl === undefined || serverUrl === "" ? await startEmbeddedPostgres() : undefined;
  const connectionString = embedded?.connectionString ?? (serverUrl as string);
  const pool = new pg.Pool({ connectionString, max: IN_FLIGHT });
  pool.on("error", () => undefined);
  const table = `enact_bench_${process.pid}_${Date.now()}`;
  try {
    await pool.query(`CREATE TABLE "${table}" (id serial PRIMARY KEY, email text NOT NULL, name text, deal_value integer)`);
    await pool.query(`INSERT INTO "${table}" (email, name, deal_value) SELECT 'seed' || g || '@acme.com', 'Seed', g FROM generate_series(1, 1000) g`);
    const connector = new PostgresConnector({ pool });
    let counter = 0;
    const row = (): Record<string, unknown> => ({ email: `lead${counter++}@acme.com`, name: "Jane Doe", deal_value: 12_000 });
    const id = (): number => 1 + (counter++ % 1000);
    // The statements the connector sends (src/connectors/postgres/statements.ts), sent directly.
    const insertSql = `INSERT INTO "${table}" ("email", "name", "deal_value") VALUES ($1, $2, $3) RETURNING *`;
    const selectSql = `SELECT * FROM "${table}" WHERE "id" = $1 LIMIT $2`;
    sameStatements(table, insertSql, selectSql);
    const rawInsert = async (): Promise<void> => {
      const data = row();
      await pool.query(insertSql, [data.email, data.name, data.deal_value]);
    };
    const rawSelect = async (): Promise<void> => {
      await pool.query(selectSql, [id(), 100]);
    };
    const insert = async (): Promise<void> => {
      const result = await connector.insertRow({ table, data: row() });
      if (!result.success) throw new Error(`insertRow failed: ${JSON.stringify(result.output)}`);
    };
    const select = async (): Promise<void> => {
      const result = await connector.selectRows({ table, where: { id: id() }, limit: 100 });
      if (!result.success) throw new Error(`selectRows failed: ${JSON.stringify(result.output)}`);
    };
    const ms = settings.fileBatchMs;
    const where = embedded === undefined ? "server" : "embedded PGlite";
    // Each pair is measured on its own, raw and connector side by side. Measured all in one
    // rotation, a subject always ran right after the same neighbour, and the batch after 32
    // in-flight inserts inherits the server's write backlog: the raw sequential select followed
    // it, the connector's did not.
    const oneAtATime = (raw: () => Promise<void>, subject: () => Promise<void>) => alternating(raw, subject, ms, settings.rounds);
    const inFlight = (raw: () => Promise<void>, subject: () => Promise<void>) =>
      interleave(
        { raw: { batch: () => concurrent(raw, IN_FLIGHT, ms) }, subject: { batch: () => concurrent(subject, IN_FLIGHT, ms) } },
        settings.rounds,
      );
    const pairs = [
      ["insert, sequential", await oneAtATime(rawInsert, insert)],
      [`insert, ${IN_FLIGHT} in flight`, await inFlight(rawInsert, insert)],
      ["select by id, sequential", await oneAtATime(rawSelect, select)],
      [`select by id, ${IN_FLIGHT} in flight`, await inFlight(rawSelect, select)],
    ] as const;
    let worst = 0;
    let worstName = "";
    for (const [name, { raw, subject }] of pairs) {
      const base = `raw pg.Pool ${name} (${where})`;
      report.add(SECTION, base, raw);
      report.add(SECTION, `PostgresConnector ${name}`, subject, base);
      const cost = raw.opsPerSec / subject.opsPerSec;
      if (cost > worst) {
        worst = cost;
        worstName = name;
      }
    }
    report.target({ ...TARGET, value: worst, detail: `time per call ÷ raw pg time per call; worst case: ${worstName} (${where})` });
  } finally {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`).catch(() => undefined);
    await pool.end();
    await embedded?.stop();
  }
}

/**
 * One call at a time, raw and subject alternating call by call (raw, subject, subject, raw, ...),
 * each call timed on its own, for `ms` per round, in `rounds` rounds after a discarded warm-up.
 * Nothing overlaps, as in `sequential`, but a drift of the machine or a stall of the server (a WAL
 * flush, a checkpoint) lands on both sides alike instead of on whichever batch it fell in. A
 * side's rate is its calls ÷ the time spent in them.
 */
async function alternating(raw: () => Promise<void>, subject: () => Promise<void>, ms: number, rounds: number): Promise<{ raw: Stats; subject: Stats }> {
  const samples = { raw: [] as Sample[], subject: [] as Sample[] };
  for (let round = -1; round < rounds; round++) {
    const latencies = { raw: [] as number[], subject: [] as number[] };
    const end = performance.now() + 2 * ms;
    for (let call = 0; performance.now() < end; call++) {
      const side = call % 4 === 0 || call % 4 === 3 ? "raw" : "subject";
      const before = performance.now();
      await (side === "raw" ? raw() : subject());
      latencies[side].push((performance.now() - before) * 1000);
    }
    if (round < 0) continue;
    for (const side of ["raw", "subject"] as const) {
      const spent = latencies[side].reduce((total, latency) => total + latency, 0) / 1000;
      samples[side].push({ latencies: latencies[side], elapsedMs: spent });
    }
  }
  return { raw: summarize(samples.raw), subject: summarize(samples.subject) };
}

/**
 * Like with like: fails the section unless the connector builds exactly the SQL text and the
 * value order that the raw side sends, so a change to the connector's statements cannot quietly
 * turn the comparison into one between different queries.
 */
function sameStatements(table: string, insertSql: string, selectSql: string): void {
  const name = parseTableName(table);
  const insert = insertStatement(name, { email: "e", name: "n", deal_value: 1 });
  const select = selectStatement(name, { id: 7 }, 100);
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (insert.text !== insertSql || !same(insert.values, ["e", "n", 1])) {
    throw new Error(`The bench's raw insert no longer matches insertRow's statement: ${JSON.stringify(insert)}`);
  }
  if (select.text !== selectSql || !same(select.values, [7, 100])) {
    throw new Error(`The bench's raw select no longer matches selectRows's statement: ${JSON.stringify(select)}`);
  }
}
