import type { KeyObject } from "node:crypto";
import { settleReceiptDirectory, settleReceiptDirectoryWith, type SettleReport } from "../journal/settle.js";
import { auditKeysFor } from "./store.js";
import { assertDirectory, StoreNotFoundError } from "../journal/file-source.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { clean, colorsFor, writeLines } from "./output.js";

/** Options of `enact-sdk settle`. */
export interface SettleOptions {
  json?: boolean;
}

/**
 * `enact-sdk settle [dir]`: stores and chains what stopped processes left in a file store's
 * write-ahead logs (see `settleReceiptDirectory`). Exit 0 when everything could be settled; 1 when
 * a record was left because it does not verify or conflicts with what is stored.
 */
export async function settle(directory: string, secret: string, options: SettleOptions, keys?: ReadonlyMap<string, KeyObject>): Promise<ExitCode> {
  try {
    await assertDirectory(directory);
  } catch (error) {
    if (error instanceof StoreNotFoundError) throw new CliError(ExitCode.storeNotFound, `${error.message}. Pass the directory your EnactClient writes receipts to.`);
    throw error;
  }
  // Issue 25: with --public-key, the store's journal is the public chain and receipts are checked by key id.
  const report = keys === undefined || keys.size === 0 ? await settleReceiptDirectory(directory, secret) : await settleReceiptDirectoryWith(directory, auditKeysFor(secret, keys));
  const code = report.skipped.length === 0 ? ExitCode.ok : ExitCode.verificationFailed;
  if (options.json === true) process.stdout.write(`${JSON.stringify({ store: directory, exitCode: code, ...report }, null, 2)}\n`);
  else writeLines(process.stdout, render(directory, report));
  return code;
}

function render(directory: string, report: SettleReport): string[] {
  const c = colorsFor(process.stdout);
  const lines = [`Settling write-ahead logs in ${clean(directory)}`];
  for (const runId of report.stored) lines.push(`  ${c.green("STORED    ")} ${runId}  receipt of an interrupted write, signature checked`);
  for (const { runId, where, reason } of report.skipped) lines.push(`  ${c.red("LEFT      ")} ${clean(runId)}  ${clean(where)}: ${clean(reason)}`);
  lines.push(
    `Stored ${report.stored.length} receipt(s), chained ${report.chained.length} into the journal, removed ${report.removedLogs.length} write-ahead log(s) of stopped writers.`,
  );
  lines.push(report.skipped.length === 0 ? c.green("OK: run `enact-sdk verify` to check the store.") : c.red(c.bold("Some records were left: see above.")));
  return lines;
}
