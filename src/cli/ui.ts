import { CliError, ExitCode } from "./exit-codes.js";
import { loadApprovers } from "./approvals.js";
import { clean, colorsFor, writeLines } from "./output.js";
import { assertUsableSecret, loadSecret } from "./secret.js";
import type { StoreLocation } from "./store.js";

/** Options of `enact-sdk ui`. */
export interface UiOptions {
  port?: string;
  as?: string;
  allowInsecureSecret?: boolean;
}

/**
 * `enact-sdk ui [dir]`: serves the receipts page on 127.0.0.1 until interrupted (Ctrl-C), and
 * prints the address with its one-time token. Without ENACT_SECRET the page still lists receipts,
 * says "not checked" for their signatures, and offers no approvals or kill switch.
 */
export async function uiCommand(location: StoreLocation, options: UiOptions): Promise<ExitCode> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CliError(ExitCode.usage, `--port must be a port number from 0 to 65535, got ${JSON.stringify(options.port)}`);
  let secret: string | undefined;
  try {
    secret = await loadSecret();
  } catch (error) {
    if (!(error instanceof CliError && error.exitCode === ExitCode.noSecret)) throw error;
  }
  if (secret !== undefined) assertUsableSecret(secret, options.allowInsecureSecret === true);
  const approvers = await loadApprovers().catch((error: unknown) => {
    if (error instanceof CliError) return { missing: error.message };
    throw error;
  });
  const { openUi } = await import("../ui/open-ui.js");
  const { startUiServer } = await import("../ui/server.js");
  const opened = await openUi({
    location,
    ...(secret === undefined ? {} : { secret }),
    allowInsecureSecret: options.allowInsecureSecret === true,
    approvers,
    ...(options.as === undefined ? {} : { as: options.as }),
  });
  let server: Awaited<ReturnType<typeof startUiServer>>;
  try {
    server = await startUiServer(opened.service, { port });
  } catch (error) {
    await opened.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new CliError(ExitCode.usage, `Port ${port} is in use: pass another --port, or none for a free one.`);
    throw error;
  }
  const c = colorsFor(process.stdout);
  writeLines(process.stdout, [
    `enact-sdk ui: ${clean(opened.service.label)}`,
    `Open ${c.bold(server.url)}`,
    secret === undefined ? c.yellow("ENACT_SECRET is not set: signatures show as not checked; approvals and the kill switch are off.") : `Acting as ${clean(options.as ?? "(nobody: pass --as <email> to approve, deny or halt)")}`,
    "Press Ctrl-C to stop.",
  ]);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  await opened.close();
  return ExitCode.ok;
}
