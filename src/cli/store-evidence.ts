import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { JournalCheck } from "../journal/audit.js";
import { RECEIPT_FILE } from "../journal/file-source.js";
import { JOURNAL_DIRECTORY, SEGMENT_FILE } from "../journal/file-journal.js";
import { readRegularFileSync } from "../read-regular-file.js";
import { readWriteAheadLogs, WRITE_AHEAD_DIRECTORY } from "../journal/write-ahead-log.js";
import { parseStrictJson } from "../strict-json.js";

/** Where `FileReceiptStore` keeps idempotency claims, in its directory. */
const CLAIMS_DIRECTORY = "claims";

// What a journal directory holds: segment files, and the write-ahead logs' directory.
const JOURNAL_ENTRY = new RegExp(`${SEGMENT_FILE.source}|^${WRITE_AHEAD_DIRECTORY}$`);

// A claim file, a released claim, or a claim being replaced (see FileClaims).
const CLAIM_FILE = /\.(json|tmp)$/;

/**
 * True when `directory` looks like a `FileReceiptStore`'s: it holds receipt files, a journal or
 * claims, or nothing visible yet (a store no run has written to). A directory of other files
 * (`verify src`, which has a `journal/` of source files) is not one: reporting it as a clean,
 * empty store would tell an auditor that all is well with a store they never pointed at.
 */
export function looksLikeReceiptStore(directory: string): boolean {
  // A store's journal answers first: listing a directory of 10,000 receipts to find it cost
  // `verify` about 10 ms, and the audit lists them again anyway.
  if (holdsOnly(join(directory, JOURNAL_DIRECTORY), JOURNAL_ENTRY)) return true;
  const visible = visibleEntries(directory);
  return (
    visible.length === 0 ||
    visible.some(
      (name) =>
        RECEIPT_FILE.test(name) ||
        (name === JOURNAL_DIRECTORY && holdsOnly(join(directory, name), JOURNAL_ENTRY)) ||
        (name === CLAIMS_DIRECTORY && holdsOnly(join(directory, name), CLAIM_FILE)),
    )
  );
}

/** Names in `directory` but hidden ones (.tmp, .gitkeep). */
function visibleEntries(directory: string): string[] {
  return readdirSync(directory).filter((name) => !name.startsWith("."));
}

/** True when `directory` is a directory whose visible entries, if any, are all named like `pattern`. */
function holdsOnly(directory: string, pattern: RegExp): boolean {
  try {
    return visibleEntries(directory).every((name) => pattern.test(name));
  } catch {
    return false;
  }
}

/**
 * The problem to report when the journal of `directory` is gone while the store shows it was
 * used: receipts, or idempotency claims marked completed (each is set only after its run's receipt
 * was stored). Deleting every receipt and the journal otherwise leaves a store that verifies as
 * empty and clean. Undefined when the journal has entries or problems of its own, or nothing
 * shows the store was used.
 */
export function vanishedJournalProblem(directory: string, journal: JournalCheck, receipts: number): string | undefined {
  // Receipts logged ahead and not chained yet (their writer stopped first) are journaled too.
  if (journal.entries > 0 || journal.problems.length > 0 || readWriteAheadLogs(directory).records.length > 0) return undefined;
  const claims = completedClaims(directory);
  if (receipts === 0 && claims === 0) return undefined;
  const evidence = [
    ...(receipts > 0 ? [`${receipts} receipt${receipts === 1 ? "" : "s"}`] : []),
    ...(claims > 0 ? [`${claims} completed idempotency claim${claims === 1 ? "" : "s"}`] : []),
  ].join(" and ");
  return `the journal is missing (no entries in ${JOURNAL_DIRECTORY}/) although the store has ${evidence}: it was deleted or replaced`;
}

/** Claims in `<directory>/claims/` whose run completed (its receipt was stored). */
function completedClaims(directory: string): number {
  let names: string[];
  try {
    names = readdirSync(join(directory, CLAIMS_DIRECTORY));
  } catch {
    return 0;
  }
  let completed = 0;
  for (const name of names) {
    if (!name.endsWith(".json")) continue;
    try {
      const claim = parseStrictJson(readRegularFileSync(join(directory, CLAIMS_DIRECTORY, name))) as { state?: unknown } | null;
      if (claim?.state === "completed") completed += 1;
    } catch {
      // An unreadable claim proves nothing either way.
    }
  }
  return completed;
}
