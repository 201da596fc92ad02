import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/connectors/postgres/embedded.js";

/*
 * Optional vitest globalSetup: one embedded Postgres for the whole run instead of one per test
 * file, when DATABASE_URL is not set. `getTestDatabase()` uses it when it is provided. Wire it in
 * with `test: { globalSetup: ["tests/support/global-database.ts"] }`.
 */

declare module "vitest" {
  export interface ProvidedContext {
    /** Set by this global setup when the run uses a shared embedded Postgres. */
    embeddedDatabaseUrl: string | undefined;
  }
}

/** Starts the shared embedded Postgres unless a real server is configured; returns its teardown. */
export async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== "") return undefined;
  // Every test file's pools connect to this one server, so allow plenty of connections.
  const embedded = await startEmbeddedPostgres({ maxConnections: 1000 });
  project.provide("embeddedDatabaseUrl", embedded.connectionString);
  return () => embedded.stop();
}
