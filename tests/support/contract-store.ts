/**
 * Opens the store the store-contract test's child processes race on (see `describeStoreContract`'s
 * `crossProcess.module`): the same directory or the same Postgres tables as the parent's.
 */
import { FileReceiptStore, type ReceiptStore } from "../../src/index.js";
import { PostgresReceiptStore } from "../../src/stores/postgres-store.js";

export type ContractStoreArgument = { kind: "file"; directory: string } | { kind: "postgres"; connectionString: string; tablePrefix: string };

export function openStore(argument: ContractStoreArgument): ReceiptStore {
  return argument.kind === "file"
    ? new FileReceiptStore(argument.directory)
    : new PostgresReceiptStore({ connectionString: argument.connectionString, tablePrefix: argument.tablePrefix });
}
