import { connect, createServer, type Socket } from "node:net";

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
  const target = new URL(connectionString);
  const sockets = new Set<Socket>();
  let cutPending = false;
  let answerPattern: string | undefined;
  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    let swallowAnswer = false;
    client.on("data", (chunk: Buffer) => {
      if (cutPending) {
        cutPending = false;
        client.destroy();
        upstream.destroy();
        return;
      }
      if (answerPattern !== undefined && chunk.includes(answerPattern)) {
        answerPattern = undefined;
        swallowAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (swallowAnswer) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("The proxy has no TCP address");
  const proxied = new URL(connectionString);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(address.port);
  return {
    connectionString: proxied.toString(),
    get accepted() {
      return accepted;
    },
    cutOnNextMessage() {
      cutPending = true;
    },
    cutAnswerTo(pattern) {
      answerPattern = pattern;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
