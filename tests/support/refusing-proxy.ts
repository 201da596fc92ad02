import { startLoopbackProxy } from "./loopback-proxy.js";

/**
 * A loopback TCP proxy in front of a database that can refuse one statement: the statement never
 * reaches the server, and the client gets an error for it (an ErrorResponse, then ReadyForQuery, as
 * the server would send) on a connection that stays open. The way to make a real pg client see a
 * statement fail, e.g. ROLLBACK, while its session on the server goes on as it was.
 */
export interface RefusingProxy {
  /** The database's connection string, pointed at the proxy. */
  readonly connectionString: string;
  /** The next simple query (pg's `query(text)` without parameters) whose text contains `pattern` is refused with `message`. */
  refuseNext(pattern: string, message: string): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to the host and port of `connectionString`. */
export async function startRefusingProxy(connectionString: string): Promise<RefusingProxy> {
  let refusal: { pattern: string; message: string } | undefined;
  const proxy = await startLoopbackProxy(connectionString, () => ({
    fromClient(chunk, connection) {
      // 'Q': a simple query, sent by pg in one write of its own.
      if (refusal !== undefined && chunk[0] === 0x51 && chunk.includes(refusal.pattern)) {
        const { message } = refusal;
        refusal = undefined;
        connection.toClient(Buffer.concat([errorResponse(message), readyForQuery()]));
        return;
      }
      connection.toServer(chunk);
    },
  }));
  return {
    connectionString: proxy.connectionString,
    refuseNext(pattern, message) {
      refusal = { pattern, message };
    },
    close: () => proxy.close(),
  };
}

/** ErrorResponse ('E'): severity ERROR, SQLSTATE XX000 (internal error), `message`. */
function errorResponse(message: string): Buffer {
  const field = (type: string, value: string): Buffer => Buffer.concat([Buffer.from(type, "ascii"), Buffer.from(value, "utf8"), Buffer.of(0)]);
  const body = Buffer.concat([field("S", "ERROR"), field("V", "ERROR"), field("C", "XX000"), field("M", message), Buffer.of(0)]);
  return frame("E", body);
}

/** ReadyForQuery ('Z') in a failed transaction block ('E'). */
function readyForQuery(): Buffer {
  return frame("Z", Buffer.from("E", "ascii"));
}

function frame(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type, "ascii"), length, body]);
}
