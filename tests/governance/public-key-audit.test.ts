import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { definePolicy, defineWorkflow, EnactClient, FileReceiptStore, JournalKey, type Receipt } from "enact-sdk";
import { PostgresReceiptStore } from "../../src/stores/postgres-store.js";
import { auditPostgresStoreWith, postgresTables } from "../../src/journal/postgres-source.js";
import { auditReceiptDirectoryWith } from "../../src/journal/file-source.js";
import { dropStoreTables } from "../../src/stores/postgres-tables.js";
import { ReceiptVerification } from "../../src/signing/public-key-verification.js";
import { CLI_SECRET, editReceiptFile, ROOT, runCli, runNode, tempDirectory, TSX } from "../support/cli.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";

const act = defineWorkflow("act", async () => []);
const limit = definePolicy("amount_limit", (ctx) => ({ policy: "amount_limit", passed: Number(ctx.payload.amount) < 100, reason: "under 100" }), { version: "1" });

function pair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync("ed25519");
}

async function writePublicKey(directory: string, name: string, key: KeyObject): Promise<string> {
  const path = join(directory, `${name}.pem`);
  await writeFile(path, key.export({ type: "spki", format: "pem" }) as string);
  return path;
}

async function runs(client: EnactClient, amounts: readonly number[]): Promise<Receipt[]> {
  const receipts: Receipt[] = [];
  for (const amount of amounts) receipts.push((await client.run({ workflow: "act", actorEmail: "agent@co.com", payload: { amount } }))[1]);
  await client.flush();
  return receipts;
}

const NO_SECRET = { env: { ENACT_SECRET: undefined } };

describe("a file store written by Ed25519 clients, audited with public keys only", () => {
  let directory: string;
  let keys: string;
  let older: Receipt[];
  let newer: Receipt[];
  let k1: ReturnType<typeof pair>;
  let k2: ReturnType<typeof pair>;

  beforeEach(async () => {
    directory = await tempDirectory();
    keys = await tempDirectory();
    k1 = pair();
    k2 = pair();
    // Key rotation: two key ids in one store.
    older = await runs(new EnactClient({ signingKey: { privateKey: k1.privateKey, keyId: "k1" }, receiptDir: directory, workflows: [act], policies: [limit] }), [5, 50]);
    newer = await runs(new EnactClient({ signingKey: { privateKey: k2.privateKey, keyId: "k2" }, receiptDir: directory, workflows: [act], policies: [limit] }), [500]);
    await writePublicKey(keys, "k1", k1.publicKey);
    await writePublicKey(keys, "k2", k2.publicKey);
  });

  it("verifies every receipt and the journal with no secret, across a key rotation", async () => {
    const result = await runCli(["verify", directory, "--json", "--public-key", join(keys, "k1.pem"), "--public-key", `k2=${join(keys, "k2.pem")}`], NO_SECRET);
    const report = JSON.parse(result.stdout) as { ok: boolean; counts: { valid: number }; journal: { entries: number; problems: string[] } };
    expect(result.code).toBe(0);
    expect(report.counts.valid).toBe(3);
    expect(report.journal).toMatchObject({ entries: 3, problems: [] });
  });

  it("fails a changed receipt", async () => {
    await editReceiptFile(directory, older[0] as Receipt, (json) => (json.decision = "BLOCK"));
    const result = await runCli(["verify", directory, "--public-key", join(keys, "k1.pem"), "--public-key", join(keys, "k2.pem")], NO_SECRET);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain((older[0] as Receipt).runId);
  });

  it("fails receipts of a key it was not given", async () => {
    const report = await auditReceiptDirectoryWith(directory, { verifier: new ReceiptVerification(new Map([["k1", k1.publicKey]])), journalKey: JournalKey.publicChain() });
    expect(report.ok).toBe(false);
    expect(report.findings.map((finding) => finding.runId)).toEqual(newer.map((receipt) => receipt.runId));
  });

  it("detects a deleted receipt from the journal", async () => {
    const { rm } = await import("node:fs/promises");
    await rm(join(directory, `${(older[1] as Receipt).runId}.json`));
    const report = await auditReceiptDirectoryWith(directory, { verifier: new ReceiptVerification(new Map([["k1", k1.publicKey], ["k2", k2.publicKey]])), journalKey: JournalKey.publicChain() });
    expect(report.counts.missing).toBe(1);
  });

  it("shows one Ed25519 receipt as genuine with its public key, with its signer and policy set", async () => {
    const receipt = older[0] as Receipt;
    const result = await runCli(["show", receipt.runId, directory, "--public-key", join(keys, "k1.pem")], NO_SECRET);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("VALID");
    expect(result.stdout).toContain("ed25519 key k1");
    expect(result.stdout).toContain(receipt.policySet?.digest as string);
  });

  it("refuses a private key given as a public key", async () => {
    const path = join(keys, "private.pem");
    await writeFile(path, k1.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    const result = await runCli(["verify", directory, "--public-key", path], NO_SECRET);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/private key/);
  });

  it("lists receipts of one policy set with --policy-set", async () => {
    const other = definePolicy("amount_limit", limit, { version: "2" });
    await runs(new EnactClient({ signingKey: { privateKey: k1.privateKey, keyId: "k1" }, receiptDir: directory, workflows: [act], policies: [other] }), [1]);
    const digest = (older[0] as Receipt).policySet?.digest as string;
    const result = await runCli(["list", directory, "--json", "--policy-set", digest, "--public-key", join(keys, "k1.pem"), "--public-key", join(keys, "k2.pem")], NO_SECRET);
    const listed = JSON.parse(result.stdout) as { receipts: { runId: string; signatureValid: boolean }[] };
    expect(result.code).toBe(0);
    expect(listed.receipts.map((row) => row.runId).sort()).toEqual([...older, ...newer].map((receipt) => receipt.runId).sort());
    expect(listed.receipts.every((row) => row.signatureValid)).toBe(true);
  });

  it("replays candidate policies and reports each run whose decision would change, tampered ones apart", async () => {
    const module = join(keys, "candidate.mjs");
    await writeFile(
      module,
      `export const policies = [function stricter_limit(ctx) { return { policy: "stricter_limit", passed: Number(ctx.payload.amount) < 10, reason: "under 10" }; }];\n`,
    );
    const keyArgs = ["--public-key", join(keys, "k1.pem"), "--public-key", join(keys, "k2.pem")];
    const clean = await runCli(["replay", directory, "--policies", module, "--json", ...keyArgs], NO_SECRET);
    const report = JSON.parse(clean.stdout) as { replayed: number; changed: { runId: string; before: string; after: string }[]; tampered: unknown[] };
    expect(clean.code).toBe(0);
    expect(report.replayed).toBe(3);
    // 5 passes both ways; 50 passed and would be blocked; 500 was blocked already.
    expect(report.changed).toEqual([expect.objectContaining({ runId: (older[1] as Receipt).runId, before: "PASS", after: "BLOCK" })]);

    await editReceiptFile(directory, older[0] as Receipt, (json) => ((json.payload as Record<string, unknown>).amount = 99));
    const tampered = await runCli(["replay", directory, "--policies", module, "--json", ...keyArgs], NO_SECRET);
    const after = JSON.parse(tampered.stdout) as { replayed: number; tampered: { runId: string }[] };
    expect(tampered.code).toBe(1);
    expect(after.replayed).toBe(2);
    expect(after.tampered.map((item) => item.runId)).toEqual([(older[0] as Receipt).runId]);

    const failOnChange = await runCli(["replay", directory, "--policies", module, "--fail-on-change", ...keyArgs], { env: { ENACT_SECRET: undefined } });
    expect(failOnChange.stdout).toContain("would change");
  });
});

describe("settle on a public journal", () => {
  it("chains what a stopped Ed25519 writer left, with the public key and no secret", async () => {
    const directory = await tempDirectory();
    const keys = await tempDirectory();
    const k1 = pair();
    const privatePath = join(keys, "signing.pem");
    await writeFile(privatePath, k1.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    const publicPath = await writePublicKey(keys, "k1", k1.publicKey);
    const child = await runNode(["--import", TSX, join(ROOT, "tests/support/ed25519-run-and-exit.ts"), directory, privatePath, "3"]);
    expect(child.stdout.split("\n").filter((line) => line !== "")).toHaveLength(3);

    const settled = await runCli(["settle", directory, "--json", "--public-key", publicPath], NO_SECRET);
    expect(settled.code).toBe(0);
    expect(JSON.parse(settled.stdout).chained).toHaveLength(3);
    const verified = await runCli(["verify", directory, "--json", "--public-key", publicPath], NO_SECRET);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout).counts).toMatchObject({ valid: 3, unsealed: 0 });
  });
});

describe("a store holding HMAC and Ed25519 receipts (public journal)", () => {
  it("verifies both for a secret holder; a public-key-only auditor reports the HMAC ones as unchecked", async () => {
    const directory = await tempDirectory();
    const keys = await tempDirectory();
    const k1 = pair();
    const store = new FileReceiptStore(directory, { journalKey: JournalKey.publicChain() });
    await runs(new EnactClient({ secret: CLI_SECRET, receiptStore: store, workflows: [act] }), [1]);
    await runs(new EnactClient({ signingKey: { privateKey: k1.privateKey, keyId: "k1" }, receiptStore: store, workflows: [act] }), [2]);
    await writePublicKey(keys, "k1", k1.publicKey);

    const both = await runCli(["verify", directory, "--json", "--public-key", join(keys, "k1.pem")]);
    expect(both.code).toBe(0);
    expect(JSON.parse(both.stdout).counts).toMatchObject({ valid: 2 });

    const publicOnly = await runCli(["verify", directory, "--public-key", join(keys, "k1.pem")], NO_SECRET);
    expect(publicOnly.code).toBe(0);
    expect(publicOnly.stdout).toContain("1 HMAC receipt(s) not checked");
    expect(publicOnly.stdout).toContain("UNCHECKED");
  });
});

describe("a Postgres store written by an Ed25519 client", () => {
  afterAll(releaseTestDatabase);

  it("is audited with the public key alone, and a changed receipt fails", async () => {
    const db = await getTestDatabase();
    const prefix = db.uniqueName("gov_ed_");
    const pool = new pg.Pool({ connectionString: db.connectionString, max: 4 });
    pool.on("error", () => undefined);
    try {
      const k1 = pair();
      const store = new PostgresReceiptStore({ pool, tablePrefix: prefix });
      const receipts = await runs(new EnactClient({ signingKey: { privateKey: k1.privateKey, keyId: "k1" }, receiptStore: store, workflows: [act] }), [1, 2, 3]);
      await store.flush?.();
      const keys = { verifier: new ReceiptVerification(new Map([["k1", k1.publicKey]])), journalKey: JournalKey.publicChain() };
      const tables = postgresTables({ tablePrefix: prefix });
      const report = await auditPostgresStoreWith(pool, tables, keys);
      expect(report.ok).toBe(true);
      expect(report.counts.valid).toBe(3);

      const changed = JSON.stringify({ ...receipts[0], decision: "BLOCK" });
      await pool.query(`UPDATE ${tables.receipts} SET receipt = $1 WHERE run_id = $2`, [changed, (receipts[0] as Receipt).runId]);
      const after = await auditPostgresStoreWith(pool, tables, keys);
      expect(after.ok).toBe(false);
      expect(after.findings.map((finding) => finding.runId)).toEqual([(receipts[0] as Receipt).runId]);
      await store.close?.();
    } finally {
      await dropStoreTables(pool, prefix);
      await pool.end();
    }
  });
});
