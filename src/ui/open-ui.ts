import { EnactClient } from "../client.js";
import { FileReceiptStore } from "../stores/file-store.js";
import type { ReceiptStore } from "../stores/receipt-store.js";
import { openStore, signerFor, type AuditableStore, type StoreLocation } from "../cli/store.js";
import { newestFirst, summarize } from "./index-entry.js";
import { directorySource, type ReceiptSource } from "./receipt-index.js";
import { UiService, type Capabilities } from "./ui-service.js";

/** Everything the page is opened with; the CLI reads it from its flags and the environment. */
export interface UiSettings {
  location: StoreLocation;
  /** ENACT_SECRET; without it nothing is verified and nothing can be approved or halted. */
  secret?: string;
  allowInsecureSecret?: boolean;
  /** ENACT_APPROVERS, or why there are none (the page says so). */
  approvers: string[] | { missing: string };
  /** `--as <email>`: whom approvals, denials and halts are recorded under. */
  as?: string;
}

/**
 * Opens the store for the page: the CLI's reader for listing, verifying and the journal, and an
 * `EnactClient` on the same store for approvals and the kill switch, so every change the page
 * makes goes through the library's own rules and is a signed record like any other.
 */
export async function openUi(settings: UiSettings): Promise<{ service: UiService; close(): Promise<void> }> {
  const { location, secret } = settings;
  const store = await openStore(location, secret ?? "");
  let control: (ReceiptStore & { close?: () => Promise<void> }) | undefined;
  let client: EnactClient | undefined;
  try {
    if (secret !== undefined) {
      if (location.databaseUrl !== undefined) {
        const { PostgresReceiptStore } = await import("../stores/postgres-store.js");
        control = new PostgresReceiptStore({ connectionString: location.databaseUrl, tablePrefix: location.tablePrefix, schema: location.schema });
      } else {
        control = new FileReceiptStore(location.directory);
      }
      const approvers = Array.isArray(settings.approvers) ? settings.approvers : undefined;
      client = new EnactClient({ secret, receiptStore: control, approvers, allowInsecureSecret: settings.allowInsecureSecret === true });
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  const source: ReceiptSource = location.databaseUrl === undefined ? directorySource(location.directory) : databaseSource(store);
  const capabilities: Capabilities = { secret: secret !== undefined, ...(settings.as === undefined ? {} : { as: settings.as }) };
  const noSecret = "ENACT_SECRET is not set: records cannot be signed without it.";
  const noIdentity = "Start enact-sdk ui with --as <your email>: every decision and halt is recorded under a name.";
  if (secret === undefined) capabilities.decideBlockedBecause = capabilities.haltBlockedBecause = noSecret;
  else if (settings.as === undefined) capabilities.decideBlockedBecause = capabilities.haltBlockedBecause = noIdentity;
  else if (!Array.isArray(settings.approvers)) capabilities.decideBlockedBecause = settings.approvers.missing;
  const service = new UiService({
    store,
    source,
    ...(secret === undefined ? {} : { signer: signerFor(secret) }),
    ...(client === undefined ? {} : { client }),
    capabilities,
  });
  return {
    service,
    async close() {
      await store.close();
      await control?.close?.();
    },
  };
}

/** A database store as a `ReceiptSource`: read whole for the index, its newest rows by its time index for the first pages. */
function databaseSource(store: AuditableStore): ReceiptSource {
  const source: ReceiptSource = { runIds: async () => (await store.readAll()).map((stored) => stored.runId), read: (runId) => store.read(runId), readAll: () => store.readAll() };
  const newest = store.newest?.bind(store);
  if (newest !== undefined) {
    source.newest = async (count) => {
      const { receipts, total } = await newest(count);
      // The rows come by the database's time column; the list orders by each receipt's own timestamp.
      return { entries: receipts.map(summarize).sort(newestFirst).slice(0, count), total };
    };
  }
  return source;
}
