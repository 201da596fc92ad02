import { randomBytes } from "node:crypto";
import pg from "pg";
import { expect } from "vitest";
import { verifySignature, type Receipt } from "../../src/index.js";
import { auditPostgresStore, postgresTables } from "../../src/journal/postgres-source.js";
import type { AuditReport } from "../../src/journal/audit.js";
import { PostgresReceiptStore } from "../../src/stores/postgres-store.js";
import { TEST_SECRET } from "./context.js";
import type { RunOutcome } from "./fleet-process.js";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";

/*
 * Checks shared by the Postgres fault tests (tests/stores/postgres-faults*.ts): what "every run
 * either stored a receipt that verifies or failed cleanly, and nothing is half-written" means,
 * read back through the public API on fresh connections.
 */

/** A fresh table prefix: the store's tables are created on first use. */
export function freshPrefix(): string {
  return `enact_fault_${randomBytes(5).toString("hex")}_`;
}

/** Every table a store with `prefix` may have created, dropped. */
export async function dropStoreTables(connectionString: string, prefix: string): Promise<void> {
  const pool = new pg.Pool({ connectionString, max: 1 });
  pool.on("error", () => undefined);
  try {
    await pool.query(`${dropStoreTablesSql(prefix)} CASCADE`);
  } finally {
    await pool.end();
  }
}

/** `verify`'s report on the store, read on a pool of its own. */
export async function auditStore(connectionString: string, prefix: string): Promise<AuditReport> {
  const pool = new pg.Pool({ connectionString, max: 2 });
  pool.on("error", () => undefined);
  try {
    return await auditPostgresStore(pool, postgresTables({ tablePrefix: prefix }), TEST_SECRET);
  } finally {
    await pool.end();
  }
}

/** A clean failure: an enact error (its `code` starts with ENACT_), never a raw driver error. */
export function expectCleanOutcome(outcome: RunOutcome): void {
  if (outcome.event === "stored") return;
  expect(outcome.code, `run rejected with ${outcome.name}: ${outcome.message}`).toMatch(/^ENACT_/);
}

/**
 * Every outcome is a stored receipt or a clean failure; every stored receipt loads, verifies and
 * is vouched for by the journal, and the whole store passes verify (nothing half-written).
 */
export async function expectStoreConsistent(connectionString: string, prefix: string, outcomes: readonly RunOutcome[]): Promise<AuditReport> {
  for (const outcome of outcomes) expectCleanOutcome(outcome);
  const store = new PostgresReceiptStore({ connectionString, tablePrefix: prefix });
  try {
    for (const outcome of outcomes) {
      if (outcome.event !== "stored") continue;
      const loaded: Receipt | undefined = await store.load(outcome.runId);
      expect(loaded, `receipt ${outcome.runId} was reported stored`).toBeDefined();
      expect(verifySignature(loaded as Receipt, TEST_SECRET)).toBe(true);
    }
  } finally {
    await store.close();
  }
  const report = await auditStore(connectionString, prefix);
  expect({ journal: report.journal.problems, findings: report.findings }).toEqual({ journal: [], findings: [] });
  expect(report.ok).toBe(true);
  return report;
}
