import { describe, expect, it } from "vitest";
import { PostgresConnector, startEmbeddedPostgres } from "enact-sdk/connectors/postgres";

describe("startEmbeddedPostgres()", () => {
  it("serves a pool of several clients on loopback, and refuses connections once stopped", async () => {
    const embedded = await startEmbeddedPostgres();
    expect(embedded.connectionString).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const postgres = new PostgresConnector({ connectionString: embedded.connectionString, poolConfig: { max: 5 } });
    const admin = new PostgresConnector({ connectionString: embedded.connectionString, poolConfig: { max: 1 } });
    try {
      // A catalog table exists in every fresh database; 20 calls keep all 5 clients busy at once.
      const results = await Promise.all(
        Array.from({ length: 20 }, () => postgres.selectRows({ table: "pg_catalog.pg_namespace", where: { nspname: "public" } })),
      );
      expect(results.every((result) => result.success && (result.output.rows as unknown[]).length === 1)).toBe(true);
    } finally {
      await embedded.stop();
      await embedded.stop();
    }
    const afterStop = await admin.selectRows({ table: "pg_catalog.pg_namespace" });
    expect(afterStop).toMatchObject({ success: false, output: { code: "ECONNREFUSED" } });
    await postgres.close();
    await admin.close();
  });
});
