import { describe, expect, it } from "vitest";
import { ConnectionQueue, type ProtocolSession } from "../../src/connectors/postgres/embedded-queue.js";

/*
 * The embedded server's queue, against a session that records what runs and answers when told:
 * which connection's message runs next, and that a connection which goes away never keeps the
 * session (the wire-level behaviour is in postgres-embedded-sessions.test.ts).
 */

const PARSE = 0x50;
const SYNC = 0x53;
const QUERY = 0x51;

function message(type: number, tag: number): Uint8Array {
  return Uint8Array.of(type, 0, 0, 0, 5, tag);
}

class RecordingSession implements ProtocolSession {
  readonly ran: string[] = [];
  inTransaction = false;
  #held: Array<() => void> | undefined;

  /** From now on each message waits for `answerNext()`. */
  hold(): void {
    this.#held = [];
  }

  answerNext(): void {
    this.#held?.shift()?.();
  }

  get waiting(): number {
    return this.#held?.length ?? 0;
  }

  isInTransaction(): boolean {
    return this.inTransaction;
  }

  async runExclusive<T>(run: () => Promise<T>): Promise<T> {
    return run();
  }

  async execProtocolRawStream(bytes: Uint8Array): Promise<unknown> {
    const name = bytes.length === 5 ? "sync(close)" : `${String.fromCharCode(bytes[0] as number)}${bytes[5]}`;
    if (this.#held !== undefined) await new Promise<void>((resolve) => this.#held?.push(resolve));
    this.ran.push(name);
    return undefined;
  }

  async exec(sql: string): Promise<unknown> {
    this.ran.push(sql);
    this.inTransaction = false;
    return undefined;
  }
}

const ignore = (): void => undefined;

describe("ConnectionQueue", () => {
  it("runs a connection's statement whole, up to its Sync, before another connection's message", async () => {
    const session = new RecordingSession();
    const queue = new ConnectionQueue(session);
    await queue.enqueue(1, message(PARSE, 1), ignore);
    const other = queue.enqueue(2, message(QUERY, 2), ignore);
    await queue.enqueue(1, message(SYNC, 1), ignore);
    await other;

    expect(session.ran).toEqual(["P1", "S1", "Q2"]);
  });

  it("keeps the session for a connection inside a transaction, across its statements", async () => {
    const session = new RecordingSession();
    const queue = new ConnectionQueue(session);
    session.inTransaction = true;
    await queue.enqueue(1, message(QUERY, 1), ignore);
    const other = queue.enqueue(2, message(QUERY, 2), ignore);
    await queue.enqueue(1, message(QUERY, 3), ignore);
    session.inTransaction = false;
    await queue.enqueue(1, message(QUERY, 4), ignore);
    await other;

    expect(session.ran).toEqual(["Q1", "Q3", "Q4", "Q2"]);
  });

  it("closes the statement of a connection that went away while its message ran, and lets the others go on", async () => {
    const session = new RecordingSession();
    const queue = new ConnectionQueue(session);
    session.hold();
    const parse = queue.enqueue(1, message(PARSE, 1), ignore);
    const other = queue.enqueue(2, message(QUERY, 2), ignore);
    // Connection 1 goes while its Parse runs: what the server does when a socket closes.
    queue.clearQueueForHandler(1);
    await queue.clearTransactionIfNeeded(1);
    while (session.waiting > 0) {
      session.answerNext();
      await Promise.resolve();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await parse;
    await other;

    expect(session.ran).toEqual(["P1", "sync(close)", "Q2"]);
  });

  it("lets the others go on when closing a departed connection's transaction fails", async () => {
    const session = new RecordingSession();
    const queue = new ConnectionQueue(session);
    session.inTransaction = true;
    await queue.enqueue(1, message(QUERY, 1), ignore);
    const other = queue.enqueue(2, message(QUERY, 2), ignore);
    session.exec = async () => {
      session.inTransaction = false;
      throw new Error("rollback failed");
    };

    queue.clearQueueForHandler(1);
    await queue.clearTransactionIfNeeded(1);
    await other;

    expect(session.ran).toEqual(["Q1", "Q2"]);
  });

  it("goes on with the next message when running one throws", async () => {
    const session = new RecordingSession();
    const queue = new ConnectionQueue(session);
    const failing = Object.assign(session, {
      execProtocolRawStream: async (bytes: Uint8Array) => {
        if (bytes[5] === 1) throw new Error("wasm trap");
        session.ran.push(`Q${bytes[5]}`);
        return undefined;
      },
    });
    const first = queue.enqueue(1, message(QUERY, 1), ignore);
    const second = queue.enqueue(2, message(QUERY, 2), ignore);

    await expect(first).rejects.toThrow("wasm trap");
    await second;
    expect(failing.ran).toEqual(["Q2"]);
  });
});
