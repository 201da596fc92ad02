import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PostgresReceiptStore, startEmbeddedPostgres } from "../../src/connectors/postgres.js";
import { concurrent, interleave, sequential, type Sample, type Stats, type Subject } from "../harness.js";
import type { Report } from "../report.js";
import type { Settings } from "../settings.js";
import { openSubjects, storeClient, type StoreTables } from "./postgres-store-subjects.js";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";

const SECTION = "6 postgres store";
const PROCESSES = 8;
const IN_FLIGHT = 64;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WORKER = "bench/sections/postgres-store-worker.ts";

/** The targets of issue 22, each a ratio of two figures of this run. */
const TARGETS = {
  sequential: { id: "postgres-store-sequential", description: "PostgresReceiptStore runs vs bare INSERTs, sequential, 1 process", unit: "×", comparison: ">=", limit: 0.7 },
  fleet: { id: "postgres-store-8-processes", description: `PostgresReceiptStore runs vs bare INSERTs, ${PROCESSES} processes each sequential`, unit: "×", comparison: ">=", limit: 0.7 },
  speedUp: { id: "postgres-store-speed-up", description: `PostgresReceiptStore 1 → ${PROCESSES} processes speed-up vs the bare INSERTs' speed-up`, unit: "×", comparison: ">=", limit: 0.8 },
  inFlight: { id: "postgres-store-in-flight", description: `PostgresReceiptStore ${IN_FLIGHT} runs in flight vs sequential, 1 process`, unit: "×", comparison: ">=", limit: 2 },
} as const;

/**
 * `EnactClient.run()` on a `PostgresReceiptStore` (3 policies, a one-action workflow) against a
 * bare autocommit INSERT of the same receipt text into a table like the store's, on DATABASE_URL
 * (else the embedded PGlite, without the 8-process figures): sequentially in this process, in 8
 * worker processes spawned here (each sequential, rates added up), and 64 runs in flight in this
 * process.
 */
export async function postgresStore(report: Report, settings: Settings): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  const embedded = serverUrl === undefined || serverUrl === "" ? await startEmbeddedPostgres() : undefined;
  const connectionString = embedded?.connectionString ?? (serverUrl as string);
  const where = embedded === undefined ? "server" : "embedded PGlite";
  const unique = `${process.pid}_${Date.now()}`;
  const storePrefix = `enact_bench_store_${unique}_`;
  const bareTable = `enact_bench_bare_${unique}`;
  const admin = new pg.Pool({ connectionString, max: 2 });
  admin.on("error", () => undefined);
  let fleet: Worker[] = [];
  try {
    const tables = await prepareTables(connectionString, admin, storePrefix, bareTable);
    const local = openSubjects(tables);
    const ms = settings.fileBatchMs;
    try {
      const subjects: Record<string, Subject> = {
        bare: { batch: () => sequential(local.bare, ms) },
        store: { batch: () => sequential(local.store, ms) },
        write: { batch: () => sequential(local.write, ms) },
        storeInFlight: { batch: () => concurrent(local.store, IN_FLIGHT, ms) },
      };
      if (embedded === undefined) {
        fleet = await startWorkers(tables, PROCESSES, settings.fleetWarmUpRuns);
        // The fleet's batches are longer: their start is a message to eight processes, not a call.
        const fleetMs = Math.max(ms * 2, 100);
        subjects.bareFleet = { batch: () => fleetBatch(fleet, "bare", fleetMs) };
        subjects.storeFleet = { batch: () => fleetBatch(fleet, "store", fleetMs) };
        subjects.writeFleet = { batch: () => fleetBatch(fleet, "write", fleetMs) };
      } else {
        // PGlite runs one query at a time for everyone, so a fleet measures nothing there; and
        // with 8 processes at once its socket server fails statements ('portal "" cannot be run').
        report.warn(`Section 6 measured no ${PROCESSES}-process figures: they need a real server (set DATABASE_URL), not the embedded PGlite.`);
      }
      record(report, (await interleave(subjects, settings.rounds)) as Measured, where);
    } finally {
      await local.close();
    }
  } finally {
    await Promise.all(fleet.map((worker) => worker.stop()));
    await admin.query(`DROP TABLE IF EXISTS "${bareTable}"; ${dropStoreTablesSql(storePrefix)}`).catch(() => undefined);
    await admin.end();
    await embedded?.stop();
  }
}

type Measured = Record<"bare" | "store" | "write" | "storeInFlight", Stats> & Partial<Record<"bareFleet" | "storeFleet" | "writeFleet", Stats>>;

function record(report: Report, stats: Measured, where: string): void {
  const bare = `bare INSERT of the receipt text, sequential, 1 process (${where})`;
  const store = "PostgresReceiptStore run, sequential, 1 process";
  const bareFleet = `bare INSERT, ${PROCESSES} processes each sequential (aggregate)`;
  const storeFleet = `PostgresReceiptStore run, ${PROCESSES} processes each sequential (aggregate)`;
  report.add(SECTION, bare, stats.bare);
  const sequentialRow = report.add(SECTION, store, stats.store, bare);
  const inFlightRow = report.add(SECTION, `PostgresReceiptStore run, ${IN_FLIGHT} in flight, 1 process`, stats.storeInFlight, store);
  // Where a run's cost goes: the store's write alone (no decision, no signing), against the same baseline.
  report.add(SECTION, "PostgresReceiptStore.write() alone (no run), sequential, 1 process", stats.write, bare);
  report.target({ ...TARGETS.sequential, value: sequentialRow.rateRatio ?? Number.NaN, detail: `runs/s ÷ bare INSERTs/s, one at a time (${where})` });
  if (stats.bareFleet !== undefined && stats.storeFleet !== undefined) {
    report.add(SECTION, bareFleet, stats.bareFleet, bare);
    const fleetRow = report.add(SECTION, storeFleet, stats.storeFleet, bareFleet);
    if (stats.writeFleet !== undefined) report.add(SECTION, `PostgresReceiptStore.write() alone (no run), ${PROCESSES} processes each sequential (aggregate)`, stats.writeFleet, bareFleet);
    const bareSpeedUp = stats.bareFleet.opsPerSec / stats.bare.opsPerSec;
    const storeSpeedUp = stats.storeFleet.opsPerSec / stats.store.opsPerSec;
    report.target({ ...TARGETS.fleet, value: fleetRow.rateRatio ?? Number.NaN, detail: `aggregate runs/s ÷ aggregate bare INSERTs/s over ${PROCESSES} processes` });
    report.target({
      ...TARGETS.speedUp,
      value: storeSpeedUp / bareSpeedUp,
      detail: `store ${storeSpeedUp.toFixed(2)}× ÷ bare INSERT ${bareSpeedUp.toFixed(2)}× (aggregate ${PROCESSES}-process rate ÷ 1-process rate)`,
    });
  }
  report.target({ ...TARGETS.inFlight, value: inFlightRow.rateRatio ?? Number.NaN, detail: `runs/s with ${IN_FLIGHT} in flight ÷ sequential runs/s, same process` });
}

/**
 * Creates the store's tables (with one run, whose stored text becomes the baseline's row) and the
 * baseline's table, a copy of the receipts table's columns and indexes without the journal's.
 */
async function prepareTables(connectionString: string, admin: pg.Pool, storePrefix: string, bareTable: string): Promise<StoreTables> {
  const store = new PostgresReceiptStore({ connectionString, tablePrefix: storePrefix });
  try {
    const [, receipt] = await storeClient(store).run({ workflow: "record_invoice", actorEmail: "agent@company.com", payload: { warmUp: true } });
    const { rows } = await admin.query<{ receipt: string }>(`SELECT receipt FROM "${storePrefix}receipts" WHERE run_id = $1`, [receipt.runId]);
    const receiptText = rows[0]?.receipt;
    if (receiptText === undefined) throw new Error("The store did not keep the warm-up receipt");
    // The receipts table without the journal's columns (writer, seq, entry), which only the store
    // fills: a bare INSERT writes the row a receipt store without a journal would, with the same indexes.
    // (Written out, not LIKE ... INCLUDING ALL and DROP COLUMN: dropped columns still widen each row's null bitmap.)
    await admin.query(`CREATE TABLE "${bareTable}" (
        run_id uuid PRIMARY KEY, workflow text NOT NULL, actor_email text NOT NULL, decision text NOT NULL,
        created_at timestamptz NOT NULL, idempotency_key_sha256 text, receipt text NOT NULL);
      CREATE INDEX ON "${bareTable}" (workflow, created_at);
      CREATE INDEX ON "${bareTable}" (actor_email, created_at);
      CREATE INDEX ON "${bareTable}" (created_at, run_id);
      CREATE INDEX ON "${bareTable}" (idempotency_key_sha256)`);
    await assertSameIndexes(admin, `${storePrefix}receipts`, bareTable);
    return { connectionString, bareTable, storePrefix, receiptText };
  } finally {
    await store.close();
  }
}

/** The baseline must pay for every index the store's receipts table has: fails if their definitions differ. */
async function assertSameIndexes(admin: pg.Pool, receipts: string, bare: string): Promise<void> {
  const definitions = async (table: string): Promise<string[]> => {
    const { rows } = await admin.query<{ columns: string }>(
      `SELECT pg_get_indexdef(indexrelid) AS columns FROM pg_index WHERE indrelid = to_regclass($1)`,
      [`"${table}"`],
    );
    return rows.map((row) => row.columns.replace(/^.* USING /, "")).sort();
  };
  const [store, baseline] = [await definitions(receipts), await definitions(bare)];
  if (JSON.stringify(store) !== JSON.stringify(baseline)) {
    throw new Error(`The baseline's indexes (${baseline.join("; ")}) differ from the store's (${store.join("; ")})`);
  }
}

interface Worker {
  run(subject: "bare" | "store" | "write", ms: number): Promise<Sample>;
  stop(): Promise<void>;
}

/** Spawns `count` worker processes and waits until each has connected and made `warmUpRuns` runs of each subject. */
async function startWorkers(tables: StoreTables, count: number, warmUpRuns: number): Promise<Worker[]> {
  const workers = Array.from({ length: count }, () => startWorker(tables, warmUpRuns));
  try {
    await Promise.all(workers.map((worker) => worker.ready));
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.stop()));
    throw error;
  }
  return workers;
}

function startWorker(tables: StoreTables, warmUpRuns: number): Worker & { ready: Promise<void> } {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(tables), String(warmUpRuns)], { cwd: ROOT });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < 10_000) stderr += chunk.toString();
  });
  const lines: Interface = createInterface({ input: child.stdout });
  const pending: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  const failAll = (): void => {
    for (const waiter of pending.splice(0)) waiter.reject(new Error(`A postgres store bench worker exited (${child.exitCode ?? child.signalCode}):\n${stderr}`));
  };
  lines.on("line", (line) => pending.shift()?.resolve(line));
  child.once("exit", failAll);
  const nextLine = (): Promise<string> =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.reject(new Error(`A postgres store bench worker exited:\n${stderr}`))
      : new Promise((resolve, reject) => pending.push({ resolve, reject }));
  const ready = nextLine().then((line) => {
    if (line !== "READY") throw new Error(`A postgres store bench worker said ${line}:\n${stderr}`);
  });
  return {
    ready,
    async run(subject, ms) {
      const answer = nextLine();
      child.stdin.write(`${JSON.stringify({ subject, ms })}\n`);
      return JSON.parse(await answer) as Sample;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * One batch on every worker at once; the aggregate rate is every worker's runs over the longest
 * worker's time (they run side by side), the latencies are all of theirs.
 */
async function fleetBatch(workers: readonly Worker[], subject: "bare" | "store" | "write", ms: number): Promise<Sample> {
  const samples = await Promise.all(workers.map((worker) => worker.run(subject, ms)));
  return {
    latencies: samples.flatMap((sample) => sample.latencies),
    elapsedMs: Math.max(...samples.map((sample) => sample.elapsedMs)),
  };
}
