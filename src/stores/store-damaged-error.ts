import { EnactError } from "../errors.js";

/**
 * A receipt store's structure is not what Enact made (a table's column was dropped or changed
 * type): its receipts cannot be read back as the exact text that was signed, so nothing is
 * written to it or trusted from it until it is repaired.
 */
export class StoreDamagedError extends EnactError {
  readonly code = "ENACT_STORE_DAMAGED" as const;

  constructor(
    readonly location: string,
    problem: string,
  ) {
    super(
      `The receipt store ${location} is damaged: ${problem}. Restore the table from a backup or recreate ` +
        "it as Enact created it (see README, Receipt stores); then run `npx enact-sdk verify`.",
    );
  }
}
