/**
 * The one database session of PGlite, shared by every client connection of the embedded server,
 * as `startEmbeddedPostgres` needs it: each connection's messages run one at a time, and a
 * connection keeps the session to itself for as long as its statement or its transaction is open.
 *
 * pglite-socket's own queue keeps a connection's messages together only inside a transaction. A
 * parameterised query is several messages (Parse, Bind, Describe, Execute, then Sync); interleaved
 * with another connection's, an error in one makes the session discard every message up to the
 * next Sync, the other connection's too: a `BEGIN` of that connection was then never answered
 * (its client waited forever), and a statement of it could be answered with nothing but "ready".
 * This queue hands the session to the next connection only at a Sync (or a simple query) outside
 * a transaction. It also keeps going when running a message throws, where pglite-socket's queue
 * stopped for good.
 */

/** What the queue needs of PGlite. */
export interface ProtocolSession {
  isInTransaction(): boolean;
  runExclusive<T>(run: () => Promise<T>): Promise<T>;
  execProtocolRawStream(message: Uint8Array, options: { onRawData: (data: Uint8Array) => void }): Promise<unknown>;
  exec(sql: string): Promise<unknown>;
}

interface QueuedMessage {
  readonly connection: number;
  readonly message: Uint8Array;
  readonly onData: (data: Uint8Array) => void;
  readonly resolve: (bytes: number) => void;
  readonly reject: (error: Error) => void;
}

// Parse, Bind, Describe, Execute, Close, Flush: a statement under way until its Sync.
const OPENS_STATEMENT = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);

/** Drop-in for pglite-socket's `QueryQueueManager` (same methods, called by its connection handlers). */
export class ConnectionQueue {
  readonly #session: ProtocolSession;
  #queue: QueuedMessage[] = [];
  #busy = false;
  // The connection whose statement or transaction is open: only its messages run until it ends.
  #owner: number | undefined;
  // Whether the owner has sent part of a statement and not yet its Sync.
  #statementOpen = false;
  // The connection whose message is running, and whether it went away meanwhile: then what that
  // message opened is closed at once, since no message of it will ever come to close it.
  #running: number | undefined;
  #runningGone = false;

  constructor(session: ProtocolSession) {
    this.#session = session;
  }

  /** Runs `message` of connection `connection` in its turn; resolves with the bytes answered. */
  enqueue(connection: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ connection, message, onData, resolve, reject });
      void this.#run();
    });
  }

  getQueueLength(): number {
    return this.#queue.length;
  }

  /** A connection went away: its queued messages are dropped. */
  clearQueueForHandler(connection: number): void {
    if (this.#running === connection) this.#runningGone = true;
    this.#queue = this.#queue.filter((queued) => {
      if (queued.connection !== connection) return true;
      queued.reject(new Error("Connection closed"));
      return false;
    });
  }

  /**
   * A connection went away: if it held the session, what it left open is closed (its statement
   * with a Sync, its transaction rolled back) and the others go on.
   */
  async clearTransactionIfNeeded(connection: number): Promise<void> {
    if (this.#owner !== connection) return;
    await this.#release();
    await this.#run();
  }

  /**
   * Closes what the owner left open (its statement with a Sync, its transaction rolled back), and
   * frees the session. Never throws: the connection is gone, so there is no one to tell, and the
   * other connections must go on.
   */
  async #release(): Promise<void> {
    try {
      if (this.#statementOpen) await this.#session.runExclusive(() => this.#session.execProtocolRawStream(SYNC, { onRawData: () => undefined }));
      // Not inside runExclusive: exec takes PGlite's locks itself.
      if (this.#session.isInTransaction()) await this.#session.exec("ROLLBACK");
    } catch {
      // The session is left as PGlite left it; the next connection's statement answers for itself.
    } finally {
      this.#owner = undefined;
      this.#statementOpen = false;
    }
  }

  async #run(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (;;) {
        const index = this.#owner === undefined ? 0 : this.#queue.findIndex((queued) => queued.connection === this.#owner);
        const next = index === -1 ? undefined : this.#queue[index];
        // Nothing queued, or the owner's next message has not arrived yet: its arrival runs the queue again.
        if (next === undefined) return;
        this.#queue.splice(index, 1);
        this.#running = next.connection;
        this.#runningGone = false;
        let bytes = 0;
        try {
          await this.#session.runExclusive(() =>
            this.#session.execProtocolRawStream(next.message, {
              onRawData: (data) => {
                bytes += data.length;
                next.onData(data);
              },
            }),
          );
        } catch (error) {
          next.reject(error instanceof Error ? error : new Error(String(error)));
        }
        this.#running = undefined;
        this.#statementOpen = OPENS_STATEMENT.has(next.message[0] as number);
        this.#owner = this.#statementOpen || this.#session.isInTransaction() ? next.connection : undefined;
        if (this.#owner !== undefined && this.#runningGone) await this.#release();
        next.resolve(bytes);
      }
    } finally {
      this.#busy = false;
    }
  }
}
