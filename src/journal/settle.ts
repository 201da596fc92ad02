import { randomUUID } from "node:crypto";
import { rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ReceiptExistsError } from "../errors.js";
import type { Receipt } from "../models.js";
import { ReceiptSigner } from "../receipt.js";
import { receiptPath, writeReceipt } from "../receipt-file.js";
import { walkJournal } from "./audit.js";
import { FileJournal } from "./file-journal.js";
import { assertDirectory, readJournalDirectory, readReceiptFile, type AuditKeys } from "./file-source.js";
import { JournalKey } from "./key.js";
import { readWriteAheadLogs, safeHost, writeAheadDirectory, type WriteAheadFile } from "./write-ahead-log.js";

/** What `settleReceiptDirectory` did. */
export interface SettleReport {
  /** Run ids whose receipts were stored from a write-ahead log (interrupted writes). */
  stored: string[];
  /** Run ids chained into the journal (the stored ones, and receipts their writer never chained). */
  chained: string[];
  /** Write-ahead logs removed: their writers are gone and everything in them is chained. */
  removedLogs: string[];
  /** Records left as they are, and why (a record that does not verify is evidence, not a receipt). */
  skipped: { runId: string; where: string; reason: string }[];
}

/**
 * Settles what stopped processes left in a file store's write-ahead logs, so the store verifies
 * clean again: each logged receipt that was never stored (an interrupted write) is stored, after
 * its signature is checked; each logged receipt whose journal entry was never chained is chained,
 * under the journal key derived from `secret` (so settling is itself tamper-evident: only a holder
 * of the secret can do it); and the logs of writers that are provably gone (this host, pid no
 * longer running) are removed once everything in them is chained. Receipts that do not verify are
 * never stored or chained. Safe to run while other processes write: a receipt chained by both
 * `settle` and its writer is recorded twice with the same signature, which `verify` accepts.
 *
 * @example
 * const report = await settleReceiptDirectory("receipts", process.env.ENACT_SECRET!);
 */
export async function settleReceiptDirectory(directory: string, secret: string): Promise<SettleReport> {
  return settleReceiptDirectoryWith(directory, { verifier: new ReceiptSigner(secret), journalKey: JournalKey.fromSecret(secret) });
}

/**
 * `settleReceiptDirectory` with any verifier and journal key: Ed25519 public keys and
 * `JournalKey.publicChain()` settle a store written by Ed25519 clients (a public journal can be
 * extended by anyone, so settling it needs no secret; each logged receipt is still verified first).
 */
export async function settleReceiptDirectoryWith(directory: string, keys: AuditKeys): Promise<SettleReport> {
  await assertDirectory(directory);
  const key = keys.journalKey;
  const signer = keys.verifier;
  const chainedBefore = walkJournal(key, await readJournalDirectory(directory)).byRunId;
  const contents = readWriteAheadLogs(directory);
  const report: SettleReport = { stored: [], chained: [], removedLogs: [], skipped: [] };
  const settledFiles = new Set(contents.files.map((file) => file.name));
  const toChain = new Map<string, string>();

  for (const record of contents.records) {
    const chained = chainedBefore.get(record.runId);
    if (chained?.signature === record.signature || toChain.get(record.runId) === record.signature) continue;
    const skip = (reason: string): void => {
      report.skipped.push({ runId: record.runId, where: record.where, reason });
      settledFiles.delete(record.file);
    };
    if (contents.sealed.has(record.runId)) {
      skip("its writer saw it chained, but the journal no longer has its entry (the journal was cut): left for an investigation");
      continue;
    }
    const receipt = record.receipt as Receipt;
    if (!signer.verifyParsed(receipt) || receipt.runId !== record.runId || receipt.signature !== record.signature) {
      skip("its receipt does not verify under this secret (edited, forged, or another secret's)");
      continue;
    }
    if (chained !== undefined) {
      skip(`the journal already records another receipt for run ${record.runId} (${chained.where})`);
      continue;
    }
    const stored = readReceiptFile(directory, record.runId);
    if (stored.error === "does not exist") {
      try {
        await writeReceipt(receipt, directory);
        report.stored.push(record.runId);
      } catch (error) {
        if (!(error instanceof ReceiptExistsError)) throw error;
      }
    } else if (stored.error !== undefined && !stored.error.startsWith("cannot be read")) {
      // Cut short while it was written (empty, or a prefix that does not parse): the log holds it
      // whole and signed, so it replaces the fragment, atomically.
      await replaceFile(receiptPath(directory, record.runId), `${JSON.stringify(receipt, null, 2)}\n`);
      report.stored.push(record.runId);
    }
    const now = readReceiptFile(directory, record.runId);
    if ((now.value as Receipt | undefined)?.signature !== record.signature) {
      skip(`another receipt is stored under run ${record.runId}`);
      continue;
    }
    toChain.set(record.runId, record.signature);
  }

  if (toChain.size > 0) {
    const journal = new FileJournal(directory, key, 0);
    for (const [runId, signature] of toChain) journal.append({ runId, signature });
    await journal.drain();
    report.chained.push(...toChain.keys());
  }

  for (const problem of contents.problems) {
    // A line cut short is a write that never resolved, and holds no whole receipt: nothing to keep.
    if (!problem.torn) settledFiles.delete(problem.file);
  }
  for (const file of contents.files) {
    if (!settledFiles.has(file.name) || !writerGone(file)) continue;
    await unlink(join(writeAheadDirectory(directory), file.name)).catch(() => undefined);
    report.removedLogs.push(file.name);
  }
  return report;
}

/** Provably gone: written on this host by a process that no longer runs. */
function writerGone(file: WriteAheadFile): boolean {
  if (file.host !== safeHost() || file.pid === process.pid) return false;
  try {
    process.kill(file.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

async function replaceFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.settling`;
  await writeFile(temporary, text, { flag: "wx" });
  await rename(temporary, path);
}
