import type { AuditReport, JournalCheck } from "../journal/audit.js";

/**
 * What to tell an auditor when nothing checks out under the secret they gave: a wrong
 * `ENACT_SECRET` makes every receipt read as forged and every journal line as a wrong MAC, which
 * looks like wholesale tampering and is almost always a typo or the wrong environment.
 */
export const WRONG_SECRET_HINT =
  "No receipt signature and no journal MAC checks out under this ENACT_SECRET: it is most likely not the secret " +
  "this store was written with (another environment's, or mistyped), rather than every receipt tampered with.";

/** The same, for `list`, which checks signatures only. */
export const NO_VALID_SIGNATURE_HINT =
  "No receipt signature checks out under this ENACT_SECRET: if the store was not tampered with wholesale, " +
  "the secret is most likely not the one it was written with (another environment's, or mistyped).";

/** True when the journal has entries but none is authentic: no MAC checks under the secret. */
export function noJournalMacChecks(journal: JournalCheck): boolean {
  return journal.entries > 0 && journal.head.seq < 0;
}

/**
 * True when an audit shows the pattern of a wrong secret: most signatures fail and no journal
 * MAC checks (or, with no journal at all, every signature fails).
 */
export function secretLooksWrong(report: AuditReport): boolean {
  const { counts, findings, journal } = report;
  const read = counts.receipts - counts.missing - counts.unreadable;
  const badSignatures = findings.filter((finding) => finding.status === "invalid" && finding.problems.some((p) => p.startsWith("signature invalid"))).length;
  if (journal.entries === 0) return read > 0 && badSignatures === read;
  return noJournalMacChecks(journal) && badSignatures * 2 >= read;
}
