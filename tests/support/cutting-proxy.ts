import { startLoopbackProxy } from "./loopback-proxy.js";

/**
 * A loopback TCP proxy in front of a database that can drop connections on demand: the way to
 * make a real pg client lose its server in the middle of a statement, without killing the server.
 */
export interface CuttingProxy {
  /** The database's connection string, pointed at the proxy. */
  readonly connectionString: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /**
   * The next bytes any client sends (a statement, once connected) are swallowed and that
   * client's connection is destroyed, as if the server had died while the statement ran.
   */
  cutOnNextMessage(): void;
  /**
   * The next message any client sends whose bytes contain `pattern` (e.g. "COMMIT") reaches the
   * server, which executes it; its answer is swallowed and the connection destroyed: the
   * statement took effect, and the client cannot know it.
   */
  cutAnswerTo(pattern: string): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to the host and port of `connectionString`. */
export async function startCuttingProxy(connectionString: string): Promise<CuttingProxy> {
  let cutPending = false;
  let answerPattern: string | undefined;
  const proxy = await startLoopbackProxy(connectionString, () => {
    let swallowAnswer = false;
    return {
      fromClient(chunk, connection) {
        if (cutPending) {
          cutPending = false;
          connection.cut();
          return;
        }
        if (answerPattern !== undefined && chunk.includes(answerPattern)) {
          answerPattern = undefined;
          swallowAnswer = true;
        }
        connection.toServer(chunk);
      },
      fromServer(chunk, connection) {
        if (swallowAnswer) connection.cut();
        else connection.toClient(chunk);
      },
    };
  });
  return {
    connectionString: proxy.connectionString,
    get accepted() {
      return proxy.accepted;
    },
    cutOnNextMessage() {
      cutPending = true;
    },
    cutAnswerTo(pattern) {
      answerPattern = pattern;
    },
    close: () => proxy.close(),
  };
}
