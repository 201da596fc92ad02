/**
 * The CLI's exit codes. Scripts and CI pipelines branch on them, so they never change meaning.
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | all is well |
 * | 1 | verification failed: a receipt is invalid, missing or injected, or the journal is broken |
 * | 2 | usage error: unknown command or option, bad argument |
 * | 3 | no usable secret: `ENACT_SECRET` is not set in the environment or `.env`, or is shorter than `MIN_SECRET_LENGTH` |
 * | 4 | store not found: the receipt directory does not exist or is not a receipt store, or the database cannot be reached |
 * | 5 | unreadable receipt: a receipt file is corrupt, truncated or cannot be read |
 * | 6 | receipt not found (`show`) |
 * | 7 | interrupted writes only: a process stopped before storing receipts it had logged ahead; nothing was tampered with (`enact-sdk settle` stores them) |
 * | 8 | approval refused (`approve`, `deny`): unknown, expired or decided request, self-approval, not an approver |
 * | 9 | `replay --fail-on-change`: the candidate policies would change some run's decision |
 * | 70 | internal error (a bug: please report it) |
 */
export const ExitCode = {
  ok: 0,
  verificationFailed: 1,
  usage: 2,
  noSecret: 3,
  storeNotFound: 4,
  unreadable: 5,
  notFound: 6,
  interrupted: 7,
  approvalRefused: 8,
  decisionsChanged: 9,
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI reports with a message and a specific exit code (no stack trace). */
export class CliError extends Error {
  override readonly name = "CliError";

  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
