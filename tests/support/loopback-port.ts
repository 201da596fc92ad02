import { createServer } from "node:net";

/**
 * A loopback TCP port that was free a moment ago, for a server the test starts itself. Free of
 * vitest imports, so child processes and the bench can use it too.
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("Could not reserve a loopback port");
  return address.port;
}
