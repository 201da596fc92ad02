import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "enact-sdk/connectors/postgres";

/*
 * Every connection to the embedded server shares PGlite's one session. A parameterised statement
 * is several protocol messages; when they were interleaved with another connection's, a failing
 * one made the session discard that other connection's messages up to the next Sync: its BEGIN
 * was never answered and the client waited forever (found as a hang of the suite; SPEC.md).
 */

const ROUNDS = 300;
let embedded: EmbeddedPostgres | undefined;
const clients: pg.Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
  await embedded?.stop();
  embedded = undefined;
});

async function connected(count: number): Promise<pg.Client[]> {
  embedded ??= await startEmbeddedPostgres();
  const made = Array.from({ length: count }, () => new pg.Client({ connectionString: embedded?.connectionString }));
  clients.push(...made);
  await Promise.all(made.map((client) => client.connect()));
  return made;
}

/** Runs a failing parameterised statement on `client` until `done` settles. */
async function failUntil(client: pg.Client, done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true));
  let failures = 0;
  while (!finished) {
    await client.query("SELECT * FROM no_such_table WHERE x = $1", [1]).catch(() => (failures += 1));
  }
  return failures;
}

describe("startEmbeddedPostgres(): one session shared by every connection", () => {
  it("answers each connection's transactions while other connections' parameterised statements fail", async () => {
    const [failingA, failingB, transactingA, transactingB] = (await connected(4)) as [pg.Client, pg.Client, pg.Client, pg.Client];
    const transact = async (client: pg.Client): Promise<number> => {
      for (let round = 0; round < ROUNDS; round += 1) {
        await client.query("BEGIN");
        await client.query("SELECT $1::int AS n", [round]);
        await client.query("COMMIT");
      }
      return ROUNDS;
    };
    const transactions = Promise.all([transact(transactingA), transact(transactingB)]);

    const [done, failuresA, failuresB] = await Promise.all([transactions, failUntil(failingA, transactions), failUntil(failingB, transactions)]);

    expect(done).toEqual([ROUNDS, ROUNDS]);
    expect(failuresA + failuresB).toBeGreaterThan(0);
  });

  it("lets the others go on when a connection closes in the middle of its transaction", async () => {
    const [leaving, staying] = (await connected(2)) as [pg.Client, pg.Client];
    await leaving.query("BEGIN");
    await leaving.query("CREATE TABLE abandoned (n int)");
    const waiting = staying.query("SELECT to_regclass('abandoned')::text AS name");

    await leaving.end();

    // The leaving connection's transaction is rolled back: its table never existed for anyone else.
    expect((await waiting).rows).toEqual([{ name: null }]);
  });
});
