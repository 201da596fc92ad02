import type { KeyObject } from "node:crypto";
import { ReceiptSigner } from "../receipt.js";
import { ReceiptVerification } from "../signing/public-key-verification.js";
import { walkJournal, type AuditReport, type JournalAnchor, type StoredReceipt } from "../journal/audit.js";
import {
  assertDirectory,
  auditReceiptDirectory,
  auditReceiptDirectoryWith,
  type AuditKeys,
  listReceiptFiles,
  readJournalDirectory,
  readWriteAheadIndex,
  readReceiptFile,
  readReceiptFiles,
  StoreNotFoundError,
  type ProgressListener,
} from "../journal/file-source.js";
import { findJournalEntries, type LocatedJournalEntry } from "../journal/journal-lookup.js";
import { JournalKey } from "../journal/key.js";
import { auditReceiptDirectoryInParallel } from "../journal/parallel-audit.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { looksLikeReceiptStore, vanishedJournalProblem } from "./store-evidence.js";

/** What the commands need from a receipt store, whatever it is kept in. */
export interface AuditableStore {
  /** How to name the store in messages: the directory, or the database without its password. */
  readonly label: string;
  /** Checks every receipt and the journal (in several threads where the store supports it). */
  audit(options: { onProgress?: ProgressListener; anchor?: JournalAnchor } & Parallelism): Promise<AuditReport>;
  /**
   * Optional: where a write-ahead log vouches for the receipt of `runId` with `signature`, when its
   * journal entry is not chained yet (file store); undefined otherwise.
   */
  loggedAhead?(runId: string, signature: string): Promise<string | undefined>;
  /** Every stored receipt, as read (parsed or with an error). */
  readAll(onProgress?: ProgressListener): Promise<StoredReceipt[]>;
  /**
   * Optional: at least the `count` newest stored receipts (by the store's own time column, ties
   * included) and how many there are, read without reading them all (a database, by its index).
   */
  newest?(count: number): Promise<{ receipts: StoredReceipt[]; total: number }>;
  /** One stored receipt, or undefined when there is none with this run id. */
  read(runId: string): Promise<StoredReceipt | undefined>;
  /** The run ids of stored receipts that start with `prefix` (lowercase hex and dashes), sorted; at most `limit`. */
  runIdsStartingWith(prefix: string, limit: number): Promise<string[]>;
  /** The journal walked and checked. */
  journal(): Promise<ReturnType<typeof walkJournal>>;
  /**
   * Optional: the authentic journal entries naming `runIds`, found without walking the whole
   * journal (see `findJournalEntries`); says nothing of the chain between them.
   */
  journalEntriesOf?(runIds: ReadonlySet<string>): Promise<Map<string, LocatedJournalEntry>>;
  close(): Promise<void>;
}

/** How many threads may check receipts, and the script worker threads run (see `auditReceiptDirectoryInParallel`). */
export interface Parallelism {
  /** The CLI's entry point; without it every receipt is checked in the main thread. */
  workerUrl?: URL;
  /** Threads, the main one included; default: by the store's size and the CPUs. */
  threads?: number;
}

/**
 * A command whose arguments have been checked, ready to run on a store. `secret` is "" when only
 * public keys were given (`--public-key`); `keys` are those keys by key id.
 */
export type StoreCommand = (store: AuditableStore, secret: string, keys?: ReadonlyMap<string, KeyObject>) => Promise<ExitCode>;

/**
 * How receipts and the journal are checked: with the secret alone (HMAC receipts, the secret-keyed
 * journal), or, given public keys, Ed25519 receipts by key id (HMAC ones too when there is a
 * secret, else reported unverifiable) and the journal as the public chain Ed25519 clients write.
 */
export function auditKeysFor(secret: string, keys: ReadonlyMap<string, KeyObject> | undefined): AuditKeys {
  if (keys === undefined || keys.size === 0) {
    // Made on first use: a reader without a secret (the web page, read-only) opens a store it never checks.
    let verifier: ReceiptSigner | undefined;
    let journalKey: JournalKey | undefined;
    return {
      get verifier() {
        verifier ??= new ReceiptSigner(secret);
        return verifier;
      },
      get journalKey() {
        journalKey ??= JournalKey.fromSecret(secret);
        return journalKey;
      },
    };
  }
  return { verifier: new ReceiptVerification(keys, secret === "" ? undefined : new ReceiptSigner(secret)), journalKey: JournalKey.publicChain() };
}

/** Where the command should look, from its arguments. */
export interface StoreLocation {
  directory: string;
  databaseUrl?: string | undefined;
  tablePrefix?: string | undefined;
  schema?: string | undefined;
}

/** Opens the store a command names; fails with exit code 4 when it does not exist. */
export async function openStore(location: StoreLocation, secret: string, keys?: ReadonlyMap<string, KeyObject>): Promise<AuditableStore> {
  if (location.databaseUrl !== undefined) {
    // Only a Postgres store needs this module (and pg): a directory store never loads it.
    const { openPostgresStore } = await import("./postgres-store.js");
    return openPostgresStore({ databaseUrl: location.databaseUrl, tablePrefix: location.tablePrefix, schema: location.schema }, secret, keys);
  }
  const store = new DirectoryStore(location.directory, secret, keys);
  try {
    await assertDirectory(location.directory);
  } catch (error) {
    if (error instanceof StoreNotFoundError) {
      throw new CliError(ExitCode.storeNotFound, `${error.message}. Pass the directory your EnactClient writes receipts to.`);
    }
    throw error;
  }
  if (!looksLikeReceiptStore(location.directory)) {
    throw new CliError(
      ExitCode.storeNotFound,
      `${location.directory} is not a receipt store (no receipts, journal/ or claims/ in it). Pass the directory your EnactClient writes receipts to.`,
    );
  }
  return store;
}

/** A receipt directory written by `FileReceiptStore`. */
class DirectoryStore implements AuditableStore {
  readonly #secret: string;
  readonly #keys: AuditKeys;
  readonly #publicKeys: boolean;

  constructor(
    readonly label: string,
    secret: string,
    keys?: ReadonlyMap<string, KeyObject>,
  ) {
    this.#secret = secret;
    this.#keys = auditKeysFor(secret, keys);
    this.#publicKeys = keys !== undefined && keys.size > 0;
  }

  async audit(options: { onProgress?: ProgressListener; anchor?: JournalAnchor } & Parallelism): Promise<AuditReport> {
    const { workerUrl, ...rest } = options;
    // Worker threads check HMAC signatures only: a public-key audit runs in this thread.
    const report = this.#publicKeys
      ? await auditReceiptDirectoryWith(this.label, this.#keys, rest)
      : workerUrl === undefined
        ? await auditReceiptDirectory(this.label, this.#secret, rest)
        : await auditReceiptDirectoryInParallel(this.label, this.#secret, { ...rest, workerUrl });
    const vanished = vanishedJournalProblem(this.label, report.journal, report.counts.receipts - report.counts.missing);
    if (vanished === undefined) return report;
    return { ...report, ok: false, journal: { ...report.journal, problems: [...report.journal.problems, vanished] } };
  }

  async readAll(onProgress?: ProgressListener): Promise<StoredReceipt[]> {
    const all: StoredReceipt[] = [];
    await readReceiptFiles(this.label, await listReceiptFiles(this.label), (stored) => all.push(stored), onProgress);
    return all;
  }

  async read(runId: string): Promise<StoredReceipt | undefined> {
    const stored = await readReceiptFile(this.label, runId);
    return stored.error === "does not exist" ? undefined : stored;
  }

  async runIdsStartingWith(prefix: string, limit: number): Promise<string[]> {
    return (await listReceiptFiles(this.label)).filter((runId) => runId.startsWith(prefix)).slice(0, limit);
  }

  async loggedAhead(runId: string, signature: string): Promise<string | undefined> {
    const index = readWriteAheadIndex(this.label);
    const record = index.records.get(runId);
    return record !== undefined && record.signatures.has(signature) && !index.sealed.has(runId) ? record.where : undefined;
  }

  async journal(): Promise<ReturnType<typeof walkJournal>> {
    const walked = walkJournal(this.#keys.journalKey, await readJournalDirectory(this.label));
    const vanished = vanishedJournalProblem(this.label, walked.check, (await listReceiptFiles(this.label)).length);
    if (vanished !== undefined) walked.check.problems.push(vanished);
    return walked;
  }

  async journalEntriesOf(runIds: ReadonlySet<string>): Promise<Map<string, LocatedJournalEntry>> {
    return findJournalEntries(this.label, this.#keys.journalKey, runIds);
  }

  async close(): Promise<void> {}
}

/** The signer the commands check signatures with: one imported key for the whole run. */
export function signerFor(secret: string): ReceiptSigner {
  return new ReceiptSigner(secret);
}
