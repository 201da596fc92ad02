import type { Pool, PoolClient } from "pg";

/**
 * Runs `work` in one transaction on one pooled client: committed if it resolves, rolled back if
 * it throws (and the error rethrown). The client goes back to the pool either way, or is
 * discarded when its connection broke.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no 'error' listener of the pool's: if the server drops the
  // connection between two statements, an unheard 'error' would crash the process. The statement
  // in flight (or the next one) fails with the same error.
  client.on("error", ignore);
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    // A client that cannot even roll back has lost its connection: discard it, do not pool it.
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.removeListener("error", ignore);
    client.release(broken);
  }
}

function ignore(): void {}
