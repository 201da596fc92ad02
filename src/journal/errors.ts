import { EnactError } from "../errors.js";

/** The journal cannot be extended safely: its newest entry is unreadable or not authentic. */
export class JournalDamagedError extends EnactError {
  readonly code = "ENACT_JOURNAL_DAMAGED" as const;

  constructor(
    readonly location: string,
    problem: string,
  ) {
    super(
      `The receipt journal cannot be extended: ${location} ${problem}. ` +
        "Nothing is chained onto an entry that cannot be trusted; run `npx enact-sdk verify` to see what is wrong.",
    );
  }
}
