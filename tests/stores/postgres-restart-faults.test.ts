import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetProcess } from "../support/fleet-process.js";
import { dropStoreTables, expectStoreConsistent, freshPrefix } from "../support/postgres-faults.js";
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.js";

/*
 * Faults a fleet's database goes through, against a PostgreSQL server of the test's own (so a
 * restart never touches the shared one): connections ended by the server, and restarts with runs
 * in flight. Each run stores a receipt that verifies or fails with an enact error, the store
 * verifies afterwards, and a keyed run is never left stuck.
 */

const noServer = privatePostgresUnavailable();

describe.skipIf(noServer !== undefined)(`PostgresReceiptStore when the server ends its connections${noServer ? ` (skipped: ${noServer})` : ""}`, () => {
  let server: PrivatePostgres;
  const children: FleetProcess[] = [];
  beforeAll(async () => {
    server = await startPrivatePostgres();
  });
  afterAll(async () => {
    for (const child of children) child.kill();
    await server?.stop();
  });

  async function agent(prefix: string): Promise<FleetProcess> {
    const child = await FleetProcess.start({ connectionString: server.connectionString, tablePrefix: prefix });
    children.push(child);
    return child;
  }

  it("stores the next runs after the server terminated the store's idle connections", async () => {
    const prefix = freshPrefix();
    const child = await agent(prefix);
    child.send({ op: "runs", count: 4 });
    await child.until("outcome", 4);
    expect(await server.terminateAll()).toBeGreaterThan(0);
    child.send({ op: "runs", count: 4 });
    await child.until("outcome", 8);
    expect(child.outcomes.map((outcome) => outcome.event)).toEqual(Array(8).fill("stored"));
    expect(await child.close()).toEqual({ code: 0, signal: null });
    await expectStoreConsistent(server.connectionString, prefix, child.outcomes);
  });

  it("stores or cleanly fails every run of a busy agent while the server keeps ending its connections", async () => {
    const prefix = freshPrefix();
    const child = await agent(prefix);
    child.send({ op: "stream", workers: 4 });
    for (const seen of [10, 20, 30]) {
      await child.until("outcome", seen);
      await server.terminateAll();
    }
    child.send({ op: "stop" });
    await child.until("stopped", 1);
    const before = child.outcomes.length;
    child.send({ op: "runs", count: 3 });
    await child.until("outcome", before + 3);
    expect(child.outcomes.slice(before).map((outcome) => outcome.event)).toEqual(["stored", "stored", "stored"]);
    expect(await child.close()).toEqual({ code: 0, signal: null });
    await expectStoreConsistent(server.connectionString, prefix, child.outcomes);
  });
});

describe.skipIf(noServer !== undefined)(`PostgresReceiptStore across a restart of PostgreSQL${noServer ? ` (skipped: ${noServer})` : ""}`, () => {
  let server: PrivatePostgres;
  const children: FleetProcess[] = [];
  const prefixes: string[] = [];
  beforeAll(async () => {
    server = await startPrivatePostgres();
  });
  afterAll(async () => {
    for (const child of children) child.kill();
    for (const prefix of prefixes) await dropStoreTables(server.connectionString, prefix).catch(() => undefined);
    await server?.stop();
  });

  async function agent(): Promise<{ child: FleetProcess; prefix: string }> {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    const child = await FleetProcess.start({ connectionString: server.connectionString, tablePrefix: prefix });
    children.push(child);
    return { child, prefix };
  }

  it("stores or cleanly fails each run in flight across a restart, leaving nothing half-written", async () => {
    const { child, prefix } = await agent();
    child.send({ op: "runs", count: 2 });
    await child.until("outcome", 2);
    child.send({ op: "runs", count: 8, hold: true });
    await child.until("executing", 8);
    await server.restart();
    child.send({ op: "release" });
    await child.until("outcome", 10);
    child.send({ op: "runs", count: 3 });
    await child.until("outcome", 13);
    expect(child.outcomes.slice(10).map((outcome) => outcome.event)).toEqual(["stored", "stored", "stored"]);
    expect(await child.close()).toEqual({ code: 0, signal: null });
    await expectStoreConsistent(server.connectionString, prefix, child.outcomes);
  });

  it("completes or replays a keyed run retried after a restart that interrupted it", async () => {
    const { child, prefix } = await agent();
    child.send({ op: "runs", count: 1, hold: true, key: "invoice-42" });
    await child.until("executing", 1);
    await server.restart("immediate");
    child.send({ op: "release" });
    await child.until("outcome", 1);
    child.send({ op: "runs", count: 1, key: "invoice-42" });
    await child.until("outcome", 2);
    const retried = child.outcomes[1];
    expect(retried).toMatchObject({ event: "stored", success: true });
    expect(await child.close()).toEqual({ code: 0, signal: null });
    await expectStoreConsistent(server.connectionString, prefix, child.outcomes);
  });

  it("stores or cleanly fails every run of a busy agent across a crash restart, and recovers", async () => {
    const { child, prefix } = await agent();
    child.send({ op: "stream", workers: 4 });
    await child.until("outcome", 20);
    await server.restart("immediate");
    child.send({ op: "stop" });
    await child.until("stopped", 1);
    const before = child.outcomes.length;
    child.send({ op: "runs", count: 3 });
    await child.until("outcome", before + 3);
    expect(child.outcomes.slice(before).map((outcome) => outcome.event)).toEqual(["stored", "stored", "stored"]);
    expect(await child.close()).toEqual({ code: 0, signal: null });
    const report = await expectStoreConsistent(server.connectionString, prefix, child.outcomes);
    // A run whose COMMIT reached the server but whose answer was lost fails, yet its receipt is
    // there: the store holds every receipt reported stored, and none but this agent's.
    const stored = child.outcomes.filter((outcome) => outcome.event === "stored").length;
    expect(report.counts.valid).toBeGreaterThanOrEqual(stored);
    expect(report.counts.valid).toBeLessThanOrEqual(child.outcomes.length);
  });
});
