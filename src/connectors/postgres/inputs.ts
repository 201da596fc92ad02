import type { Row } from "./statements.js";

/** `insertRow` input: one row, column → value. */
export interface InsertRowInput {
  /** `table` or `schema.table`. */
  table: string;
  data: Row;
}

/** `insertRowIfAbsent` input: insert unless a row with the same `uniqueKey` value exists. */
export interface InsertRowIfAbsentInput extends InsertRowInput {
  /** A column of `data` whose value identifies the row. */
  uniqueKey: string;
}

/** `updateRow` input. `where` is column → value, all conditions ANDed; it must not be empty. */
export interface UpdateRowInput {
  table: string;
  data: Row;
  where: Row;
}

/** `selectRows` input. Without `where`, the first `limit` rows. */
export interface SelectRowsInput {
  table: string;
  where?: Row;
  /** 1 to 10,000. Default 100. */
  limit?: number;
}

/** `deleteRow` input. `where` must not be empty. */
export interface DeleteRowInput {
  table: string;
  where: Row;
}
