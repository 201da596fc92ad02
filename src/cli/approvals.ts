import { join } from "node:path";
import { ApprovalError, ConfigurationError } from "../errors.js";
import { EnactClient } from "../client.js";
import { assertDirectory, StoreNotFoundError } from "../journal/file-source.js";
import { FileReceiptStore } from "../stores/file-store.js";
import type { ReceiptStore } from "../stores/receipt-store.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { clean, colorsFor, compactJson, writeLines } from "./output.js";
import { loadSecret } from "./secret.js";

/** Where the store is, as the other commands take it. */
export interface ControlLocation {
  directory: string;
  databaseUrl?: string | undefined;
  tablePrefix?: string | undefined;
  schema?: string | undefined;
}

/**
 * The approvers the CLI trusts: `ENACT_APPROVERS` (comma-separated emails) from the environment,
 * else from `.env`, like the secret. The CLI has no client configuration, and approvers are
 * trusted configuration: without the list nobody can approve or deny (fail closed).
 */
export async function loadApprovers(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<string[]> {
  let text = env.ENACT_APPROVERS;
  if (text === undefined || text.trim() === "") {
    const { config } = await import("dotenv");
    text = config({ path: join(cwd, ".env"), processEnv: {}, quiet: true }).parsed?.ENACT_APPROVERS;
  }
  const approvers = (text ?? "").split(",").map((email) => email.trim()).filter((email) => email !== "");
  if (approvers.length === 0) {
    throw new CliError(
      ExitCode.approvalRefused,
      "ENACT_APPROVERS is not set: nobody may approve or deny. Set it (environment or .env) to the comma-separated " +
        "emails of the people who may, as trusted as the approvers option of your EnactClient.",
    );
  }
  return approvers;
}

/** Opens the store with a client on it, runs `work`, closes the store. */
async function withClient<T>(location: ControlLocation, approvers: string[] | undefined, work: (enact: EnactClient) => Promise<T>): Promise<T> {
  const secret = await loadSecret();
  let store: ReceiptStore & { close?: () => Promise<void> };
  if (location.databaseUrl !== undefined) {
    const { PostgresReceiptStore } = await import("../stores/postgres-store.js");
    try {
      store = new PostgresReceiptStore({ connectionString: location.databaseUrl, tablePrefix: location.tablePrefix, schema: location.schema });
    } catch (error) {
      if (error instanceof ConfigurationError) throw new CliError(ExitCode.usage, error.message);
      throw error;
    }
  } else {
    try {
      await assertDirectory(location.directory);
    } catch (error) {
      if (error instanceof StoreNotFoundError) throw new CliError(ExitCode.storeNotFound, `${error.message}. Pass the directory your EnactClient writes receipts to.`);
      throw error;
    }
    store = new FileReceiptStore(location.directory);
  }
  try {
    const enact = new EnactClient({ secret, receiptStore: store, approvers });
    return await work(enact);
  } catch (error) {
    if (error instanceof ApprovalError) throw new CliError(ExitCode.approvalRefused, `${error.message} (${error.reason})`);
    throw error;
  } finally {
    await store.close?.();
  }
}

/** `enact-sdk approvals [dir]`: the open requests. */
export async function approvalsCommand(location: ControlLocation, options: { json?: boolean }): Promise<ExitCode> {
  const pending = await withClient(location, undefined, (enact) => enact.pendingApprovals());
  if (options.json === true) {
    process.stdout.write(`${JSON.stringify(pending, null, 2)}\n`);
    return ExitCode.ok;
  }
  const c = colorsFor(process.stdout);
  if (pending.length === 0) {
    writeLines(process.stdout, ["No open approval requests."]);
    return ExitCode.ok;
  }
  for (const request of pending) {
    writeLines(process.stdout, [
      `${c.bold(request.id)}  ${clean(request.workflow)} by ${clean(request.actorEmail)}, expires ${request.expiresAt}`,
      `  payload: ${clean(compactJson(request.payload))}`,
      ...request.reasons.map((reason) => `  needs approval: ${clean(reason)}`),
    ]);
  }
  return ExitCode.ok;
}

/** `enact-sdk approve <id>` and `enact-sdk deny <id>`. */
export async function decideCommand(
  decision: "approved" | "denied",
  id: string,
  location: ControlLocation,
  options: { by: string; note?: string; reason?: string; json?: boolean },
): Promise<ExitCode> {
  const approvers = await loadApprovers();
  const record = await withClient(location, approvers, (enact) =>
    decision === "approved" ? enact.approve(id, { approver: options.by, note: options.note }) : enact.deny(id, { approver: options.by, reason: options.reason }),
  );
  if (options.json === true) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  else writeLines(process.stdout, [`${decision === "approved" ? "Approved" : "Denied"} ${record.id} by ${clean(record.approver)} at ${record.decidedAt}.`]);
  return ExitCode.ok;
}

/** `enact-sdk halt` and `enact-sdk unhalt`. */
export async function haltCommand(halted: boolean, location: ControlLocation, options: { by: string; reason?: string; json?: boolean }): Promise<ExitCode> {
  const record = await withClient(location, undefined, (enact) =>
    halted ? enact.halt({ by: options.by, reason: options.reason ?? "" }) : enact.unhalt({ by: options.by }),
  ).catch((error: unknown) => {
    if (error instanceof TypeError) throw new CliError(ExitCode.usage, error.message);
    throw error;
  });
  if (options.json === true) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  else
    writeLines(process.stdout, [
      halted
        ? `Halted by ${clean(record.by)} at ${record.at}: ${clean(record.reason ?? "")}. Every run on this store is blocked within a second.`
        : `Unhalted by ${clean(record.by)} at ${record.at}.`,
    ]);
  return ExitCode.ok;
}
