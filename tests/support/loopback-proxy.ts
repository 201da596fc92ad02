import { connect, createServer, type Socket } from "node:net";

/** One client connection through the proxy, as its hooks see it. */
export interface ProxiedConnection {
  /** Sends bytes on to the database. */
  toServer(chunk: Buffer): void;
  /** Sends bytes back to the client. */
  toClient(chunk: Buffer): void;
  /** Destroys both sides, as if the server had died. */
  cut(): void;
}

/** What a proxy does with one connection's bytes; each default forwards them unchanged. */
export interface ConnectionHooks {
  fromClient?(chunk: Buffer, connection: ProxiedConnection): void;
  fromServer?(chunk: Buffer, connection: ProxiedConnection): void;
}

/** A loopback TCP proxy in front of a database. */
export interface LoopbackProxy {
  /** The database's connection string, pointed at the proxy. */
  readonly connectionString: string;
  /** Connections accepted so far (dropped ones included). */
  readonly accepted: number;
  /** Destroys every open connection. */
  dropAll(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy on a free loopback port forwarding to the host and port of `connectionString`:
 * the way to make a real pg client lose its server, or see an answer the server never sent,
 * without touching the server. `accept` is asked for each new connection: hooks for its bytes,
 * or undefined to drop it at once.
 */
export async function startLoopbackProxy(connectionString: string, accept: () => ConnectionHooks | undefined = () => ({})): Promise<LoopbackProxy> {
  const target = new URL(connectionString);
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    const hooks = accept();
    if (hooks === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    const connection: ProxiedConnection = {
      toServer: (chunk) => upstream.write(chunk),
      toClient: (chunk) => client.write(chunk),
      cut() {
        client.destroy();
        upstream.destroy();
      },
    };
    client.on("data", (chunk: Buffer) => (hooks.fromClient ?? forwardToServer)(chunk, connection));
    upstream.on("data", (chunk: Buffer) => (hooks.fromServer ?? forwardToClient)(chunk, connection));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("The proxy has no TCP address");
  const proxied = new URL(connectionString);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(address.port);
  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    connectionString: proxied.toString(),
    get accepted() {
      return accepted;
    },
    dropAll,
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function forwardToServer(chunk: Buffer, connection: ProxiedConnection): void {
  connection.toServer(chunk);
}

function forwardToClient(chunk: Buffer, connection: ProxiedConnection): void {
  connection.toClient(chunk);
}
