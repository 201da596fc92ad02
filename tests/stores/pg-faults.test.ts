import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { isConnectionFault, retryConnectionFaults } from "../../src/stores/pg-faults.js";
import { getTestDatabase, releaseTestDatabase, unusedLoopbackPort } from "../support/database.js";

// retryConnectionFaults pauses through node:timers/promises; here a pause resolves at once and is
// recorded, so the schedule of attempts and pauses is pinned without real time.
const timers = vi.hoisted(() => ({ pauses: [] as unknown[] }));
vi.mock("node:timers/promises", () => ({
  setTimeout: async (ms: unknown) => {
    timers.pauses.push(ms);
  },
}));

beforeEach(() => {
  timers.pauses = [];
});

// Real errors of a real pg client: a refused connection (a fault) and a statement the database refused (not one).
let refused: Error;
let refusedStatement: Error;
beforeAll(async () => {
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${await unusedLoopbackPort()}/postgres` });
  refused = await client.connect().then(
    () => new Error("connected to a port nothing listens on"),
    (error: Error) => error,
  );
  const db = await getTestDatabase();
  refusedStatement = await db.admin.query("SELECT * FROM enact_no_such_table_here").then(
    () => new Error("the missing table was read"),
    (error: Error) => error,
  );
});
afterAll(async () => {
  await releaseTestDatabase();
});

/** An attempt that fails with `errors` in turn, then resolves with "done"; records the attempt numbers it was given. */
function scripted(errors: readonly unknown[]): { attempt: (n: number) => Promise<string>; numbers: number[] } {
  const numbers: number[] = [];
  let calls = 0;
  return {
    numbers,
    attempt: async (n) => {
      numbers.push(n);
      calls += 1;
      if (calls <= errors.length) throw errors[calls - 1];
      return "done";
    },
  };
}

describe("isConnectionFault", () => {
  it("recognises a real refused connection and not a statement the database refused", () => {
    expect((refused as { code?: unknown }).code).toBe("ECONNREFUSED");
    expect(isConnectionFault(refused)).toBe(true);
    expect(isConnectionFault(refusedStatement)).toBe(false);
  });

  it("is false for what is not an error object: undefined, null, a string, a number", () => {
    expect(isConnectionFault(undefined)).toBe(false);
    expect(isConnectionFault(null)).toBe(false);
    expect(isConnectionFault("Connection terminated unexpectedly")).toBe(false);
    expect(isConnectionFault(57)).toBe(false);
  });
});

describe("retryConnectionFaults", () => {
  it("makes the first attempt, numbered 0, without pausing", async () => {
    const { attempt, numbers } = scripted([]);
    await expect(retryConnectionFaults(attempt)).resolves.toBe("done");
    expect(numbers).toEqual([0]);
    expect(timers.pauses).toEqual([]);
  });

  it("numbers the attempts 0, 1, 2, ... and pauses 50, 150 ms between faults", async () => {
    const { attempt, numbers } = scripted([refused, refused]);
    await expect(retryConnectionFaults(attempt)).resolves.toBe("done");
    expect(numbers).toEqual([0, 1, 2]);
    expect(timers.pauses).toEqual([50, 150]);
  });

  it("gives up after five retries (about 4 s of pauses), rejecting with the last fault", async () => {
    const last = new Error("Connection terminated unexpectedly");
    const { attempt, numbers } = scripted([refused, refused, refused, refused, refused, last]);
    await expect(retryConnectionFaults(attempt)).rejects.toBe(last);
    expect(numbers).toEqual([0, 1, 2, 3, 4, 5]);
    expect(timers.pauses).toEqual([50, 150, 400, 1000, 2500]);
  });

  it("counting from `first` (that many faults already seen): pauses as after them, then goes on from there", async () => {
    const { attempt, numbers } = scripted([refused]);
    await expect(retryConnectionFaults(attempt, 2)).resolves.toBe("done");
    expect(numbers).toEqual([2, 3]);
    expect(timers.pauses).toEqual([150, 400]);
  });

  it("with `first` at the last retry: one pause, one attempt, and its fault is thrown", async () => {
    const { attempt, numbers } = scripted([refused]);
    await expect(retryConnectionFaults(attempt, 5)).rejects.toBe(refused);
    expect(numbers).toEqual([5]);
    expect(timers.pauses).toEqual([2500]);
  });

  it("does not retry a statement the database refused", async () => {
    const { attempt, numbers } = scripted([refusedStatement]);
    await expect(retryConnectionFaults(attempt)).rejects.toBe(refusedStatement);
    expect(numbers).toEqual([0]);
    expect(timers.pauses).toEqual([]);
  });

  it("rejects with what the attempt rejected with, even undefined or null, without retrying", async () => {
    for (const reason of [undefined, null]) {
      const { attempt, numbers } = scripted([reason]);
      await expect(retryConnectionFaults(attempt)).rejects.toBe(reason);
      expect(numbers).toEqual([0]);
    }
    expect(timers.pauses).toEqual([]);
  });
});
