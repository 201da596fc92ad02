import { deepStrictEqual, equal, ok, strictEqual } from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { JournalKey } from "../journal/key.js";
import type { Decision, Receipt } from "../models.js";
import { buildReceipt, signReceipt } from "../receipt.js";
import type { IdempotencyClaim, ReceiptStore } from "../stores/receipt-store.js";
import { raceClaimsAcrossProcesses } from "./claim-race.js";

/**
 * The `describe`/`it` pair of the test framework running the contract. Vitest's, Jest's, Mocha's
 * and `node:test`'s all fit: the contract only names suites and tests, and asserts with
 * `node:assert`, so a failure is an `AssertionError` every runner reports.
 */
export interface ContractFramework {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
  /** Registers a test as skipped (vitest: `it.skip`), so a suite that cannot run here says so. Optional. */
  skip?(name: string, body: () => Promise<void>): void;
}

/** How child processes open the store under test, for the cross-process claim race. */
export interface CrossProcessStore<A> {
  /**
   * An ES module (absolute path or file URL) exporting `openStore(argument: A)`, resolving to the
   * store. The contract opens it in each child process and in the test's own process.
   */
  module: string | URL;
  /** A fresh, empty store's description, as JSON-safe data (a new directory, a new table prefix). */
  argument(): A | Promise<A>;
  /** Node options for the children, e.g. `["--import", "tsx"]` when `module` is TypeScript. */
  execArgv?: readonly string[];
  /** Environment for the children (default: this process's). */
  env?: Record<string, string | undefined>;
}

export interface StoreContractOptions<A = unknown> {
  /** Names the suite: `ReceiptStore contract: <name>`. */
  name: string;
  /** A new, empty store for each test. */
  makeStore(): ReceiptStore | Promise<ReceiptStore>;
  /** Releases a store after its test (default: calls its `close()` if it has one). */
  closeStore?(store: ReceiptStore): void | Promise<void>;
  /** The secret receipts are signed and journaled with (default: a fixed test secret). */
  secret?: string;
  /** How many concurrent claims of one key race in one process (default 64). */
  concurrency?: number;
  /**
   * Shared by several processes? Then the claims race across processes too. Give `skip` instead
   * to say why this store cannot be (a memory store; a server that is not available here).
   */
  crossProcess?: CrossProcessStore<A> | { skip: string };
  /** For the cross-process race: child processes (default 4) and keys raced, one per round (default 8). */
  processes?: number;
  rounds?: number;
}

const CONTRACT_SECRET = "enact-sdk store contract secret, not for production use";

/**
 * The behaviour every `ReceiptStore` must have, as a test suite: claims are exclusive (raced
 * against the store directly, with no `EnactClient` de-duplication in front, in one process and
 * across processes), receipts are never overwritten, read back as written, and listed oldest
 * first; and, when the store has them, approval stages are written once, the kill switch keeps
 * its last record and cutouts update atomically. Run it against your own store:
 *
 * @example
 * import { describe, it } from "vitest";
 * import { describeStoreContract } from "enact-sdk/testing";
 * describeStoreContract({ describe, it }, { name: "my store", makeStore: () => new MyStore() });
 */
export function describeStoreContract<A>(framework: ContractFramework, options: StoreContractOptions<A>): void {
  const { describe, it } = framework;
  const secret = options.secret ?? CONTRACT_SECRET;
  const concurrency = options.concurrency ?? 64;

  /** Runs `body` with a fresh store attached to the contract's journal key, then closes it. */
  const withStore = (body: (store: ReceiptStore) => Promise<void>) => async (): Promise<void> => {
    const store = await options.makeStore();
    store.attachJournal?.(JournalKey.fromSecret(secret));
    try {
      await body(store);
    } finally {
      await store.flush?.();
      await (options.closeStore ?? closeIfClosable)(store);
    }
  };

  describe(`ReceiptStore contract: ${options.name}`, () => {
    describe("idempotency claims", () => {
      it("gives a free key to its first claimant and keeps the claim as given", withStore(async (store) => {
        const claim = newClaim("contract-first");
        strictEqual(await store.claim(claim), undefined, "the first claim of a free key must win (resolve undefined)");
        deepStrictEqual(await store.getClaim(claim.key), claim);
      }));

      it("answers a later claimant with the holder's claim and leaves the holder in place", withStore(async (store) => {
        const holder = newClaim("contract-held");
        await store.claim(holder);
        const answer = await store.claim(newClaim("contract-held"));
        deepStrictEqual(answer, holder, "a claim of a held key must resolve with the holding claim");
        deepStrictEqual(await store.getClaim(holder.key), holder);
      }));

      it(`lets exactly one of ${concurrency} concurrent claims of one key win, and tells every loser who won`, withStore(async (store) => {
        const claims = Array.from({ length: concurrency }, () => newClaim("contract-race"));
        const answers = await Promise.all(claims.map((claim) => store.claim(claim)));
        const winners = claims.filter((_, index) => answers[index] === undefined);
        strictEqual(winners.length, 1, `exactly one concurrent claim must win; ${winners.length} did`);
        const winner = winners[0] as IdempotencyClaim;
        for (const answer of answers) if (answer !== undefined) strictEqual(answer.runId, winner.runId, "a loser must be told the winner's run");
        strictEqual((await store.getClaim(winner.key))?.runId, winner.runId);
      }));

      it("keeps concurrent claims of different keys apart: each wins its own", withStore(async (store) => {
        const claims = Array.from({ length: concurrency }, (_, index) => newClaim(`contract-many-${index}`));
        const answers = await Promise.all(claims.map((claim) => store.claim(claim)));
        deepStrictEqual(answers, claims.map(() => undefined));
        for (const claim of claims) strictEqual((await store.getClaim(claim.key))?.runId, claim.runId);
      }));

      it("treats any string as a key, keys that differ only in case or punctuation as different", withStore(async (store) => {
        const keys = ["tenant/42:inv ü ✓", "TENANT/42:INV Ü ✓", "tenant-42-inv", "../../etc/passwd", "a".repeat(300)];
        for (const key of keys) strictEqual(await store.claim(newClaim(key)), undefined, `the key ${JSON.stringify(key.slice(0, 40))} must be free`);
        for (const key of keys) strictEqual((await store.getClaim(key))?.key, key);
      }));

      it("has no claim for a key never claimed", withStore(async (store) => {
        strictEqual(await store.getClaim("contract-never"), undefined);
      }));

      it("moves a claim's state only for the run holding it", withStore(async (store) => {
        const holder = newClaim("contract-state");
        await store.claim(holder);
        await store.updateClaim(holder.key, randomUUID(), "completed");
        strictEqual((await store.getClaim(holder.key))?.state, "claimed", "another run must not move the holder's claim");
        await store.updateClaim(holder.key, holder.runId, "executing");
        strictEqual((await store.getClaim(holder.key))?.state, "executing");
        await store.updateClaim(holder.key, holder.runId, "completed");
        const updated = await store.getClaim(holder.key);
        strictEqual(updated?.state, "completed");
        strictEqual(updated?.fingerprint, holder.fingerprint);
      }));

      it("releases a key only for the run holding it, and a released key can be claimed again", withStore(async (store) => {
        const holder = newClaim("contract-release");
        await store.claim(holder);
        strictEqual(await store.releaseClaim(holder.key, randomUUID()), false, "another run must not release the holder's key");
        strictEqual((await store.getClaim(holder.key))?.runId, holder.runId);
        strictEqual(await store.releaseClaim(holder.key, holder.runId), true);
        strictEqual(await store.getClaim(holder.key), undefined);
        strictEqual(await store.releaseClaim(holder.key, holder.runId), false, "a key released once is not released twice");
        const next = newClaim("contract-release");
        strictEqual(await store.claim(next), undefined, "a released key must be claimable again");
        strictEqual((await store.getClaim(next.key))?.runId, next.runId);
      }));

      it(`lets exactly one of ${concurrency} concurrent claims win a key just released`, withStore(async (store) => {
        const first = newClaim("contract-rerace");
        await store.claim(first);
        await store.releaseClaim(first.key, first.runId);
        const answers = await Promise.all(Array.from({ length: concurrency }, () => store.claim(newClaim("contract-rerace"))));
        strictEqual(answers.filter((answer) => answer === undefined).length, 1);
      }));
    });

    describe("receipts", () => {
      it("reads a written receipt back exactly as written", withStore(async (store) => {
        const receipt = signedReceipt({});
        equal(typeof (await store.write(receipt)), "string");
        deepStrictEqual(await store.load(receipt.runId), receipt);
      }));

      it("keeps the receipt's JSON text when given it with the receipt", withStore(async (store) => {
        const receipt = signedReceipt({});
        await store.write(receipt, JSON.stringify(receipt));
        deepStrictEqual(await store.load(receipt.runId), receipt);
      }));

      it("has no receipt for a run never written", withStore(async (store) => {
        strictEqual(await store.load(randomUUID()), undefined);
      }));

      it("refuses a second receipt with a stored run id and leaves the first untouched", withStore(async (store) => {
        const first = signedReceipt({ workflow: "first" });
        await store.write(first);
        const second = signedReceipt({ workflow: "second", runId: first.runId });
        const error = await store.write(second).then(() => undefined, (caught: unknown) => caught);
        ok(error instanceof Error, "writing a run id already stored must reject");
        strictEqual(error.name, "ReceiptExistsError");
        deepStrictEqual(await store.load(first.runId), first);
        strictEqual((await store.list()).length, 1);
      }));

      it("stores exactly one of concurrent receipts with one run id", withStore(async (store) => {
        const runId = randomUUID();
        const receipts = Array.from({ length: 8 }, (_, index) => signedReceipt({ workflow: `w${index}`, runId }));
        const outcomes = await Promise.allSettled(receipts.map((receipt) => store.write(receipt)));
        strictEqual(outcomes.filter((outcome) => outcome.status === "fulfilled").length, 1, "exactly one write of a run id must succeed");
        const stored = await store.load(runId);
        const winner = receipts[outcomes.findIndex((outcome) => outcome.status === "fulfilled")];
        deepStrictEqual(stored, winner);
      }));

      it("lists receipts oldest first, narrowed by workflow, actor, decision and time", withStore(async (store) => {
        const at = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
        const late = signedReceipt({ workflow: "refund", decision: "BLOCK", timestamp: at(3) });
        const early = signedReceipt({ workflow: "invoice", timestamp: at(1) });
        const middle = signedReceipt({ workflow: "invoice", actorEmail: "other@co.com", timestamp: at(2) });
        for (const receipt of [late, early, middle]) await store.write(receipt);
        const runIds = (receipts: Receipt[]): string[] => receipts.map((receipt) => receipt.runId);
        deepStrictEqual(runIds(await store.list()), [early.runId, middle.runId, late.runId]);
        deepStrictEqual(runIds(await store.list({ workflow: "invoice" })), [early.runId, middle.runId]);
        deepStrictEqual(runIds(await store.list({ actorEmail: "other@co.com" })), [middle.runId]);
        deepStrictEqual(runIds(await store.list({ decision: "BLOCK" })), [late.runId]);
        deepStrictEqual(runIds(await store.list({ since: new Date(at(2)), until: new Date(at(3)) })), [middle.runId]);
      }));
    });

    describe("approvals, the kill switch and cutouts (when the store has them)", () => {
      it("writes each approval stage once: exactly one of concurrent writers wins, and the first record stays", withStore(async (store) => {
        if (store.putApprovalStage === undefined || store.getApprovalStages === undefined || store.listApprovals === undefined) return;
        const id = randomUUID();
        strictEqual(await store.putApprovalStage(id, "request", "{\"request\":1}"), true);
        const records = Array.from({ length: concurrency }, (_, index) => JSON.stringify({ decision: index }));
        const wins = await Promise.all(records.map((json) => store.putApprovalStage?.(id, "decision", json)));
        strictEqual(wins.filter((won) => won === true).length, 1, "exactly one concurrent write of a stage must win");
        const winner = records[wins.indexOf(true)];
        deepStrictEqual(await store.getApprovalStages(id), { request: "{\"request\":1}", decision: winner });
        strictEqual(await store.putApprovalStage(id, "use", "{\"run\":1}"), true, "another stage of the same approval is free");
        deepStrictEqual(await store.getApprovalStages(id), { request: "{\"request\":1}", decision: winner, use: "{\"run\":1}" });
        deepStrictEqual(await store.getApprovalStages(randomUUID()), {});
        ok((await store.listApprovals()).some((stages) => stages.decision === winner));
      }));

      it("keeps the kill switch's last record", withStore(async (store) => {
        if (store.setHalt === undefined || store.getHalt === undefined) return;
        strictEqual(await store.getHalt(), undefined);
        await store.setHalt("{\"halted\":true}");
        await store.setHalt("{\"halted\":false}");
        strictEqual(await store.getHalt(), "{\"halted\":false}");
      }));

      it("runs concurrent cutout updates of one key one after another (no update is lost)", withStore(async (store) => {
        const update = store.updateCutout?.bind(store);
        if (update === undefined) return;
        const updates = 16;
        await Promise.all(
          Array.from({ length: updates }, (_, index) => update("contract-cutout", (current) => [{ times: [...(current?.times ?? []), index], blockedUntil: 0 }, undefined])),
        );
        const times = await update("contract-cutout", (current) => [current ?? { times: [], blockedUntil: 0 }, current?.times ?? []]);
        deepStrictEqual([...times].sort((a, b) => a - b), Array.from({ length: updates }, (_, index) => index));
      }));
    });

    const crossProcess = options.crossProcess;
    const skip = crossProcess === undefined ? "no crossProcess option was given" : "skip" in crossProcess ? crossProcess.skip : undefined;
    const processes = options.processes ?? 4;
    const rounds = options.rounds ?? 8;
    const raceName = `lets exactly one of ${processes} processes in lockstep win each of ${rounds} keys`;
    describe("claims across processes", () => {
      if (crossProcess === undefined || "skip" in crossProcess) {
        framework.skip?.(`${raceName} (not run: ${skip ?? ""})`, async () => undefined);
        return;
      }
      it(raceName, async () => {
        const argument = await crossProcess.argument();
        const outcomes = await raceClaimsAcrossProcesses({
          module: typeof crossProcess.module === "string" ? crossProcess.module : fileURLToPath(crossProcess.module),
          argument,
          processes,
          rounds,
          execArgv: crossProcess.execArgv ?? [],
          env: crossProcess.env ?? process.env,
        });
        for (let round = 0; round < rounds; round += 1) {
          const inRound = outcomes.filter((outcome) => outcome.round === round);
          strictEqual(inRound.length, processes, `every process must have claimed in round ${round}`);
          const winners = inRound.filter((outcome) => outcome.won);
          strictEqual(winners.length, 1, `exactly one process must win key ${round}; ${winners.length} did`);
          const winner = winners[0] as (typeof winners)[number];
          for (const outcome of inRound) {
            strictEqual(outcome.holder, winner.runId, "every process must be told the winner's run");
            strictEqual(outcome.holderAfterwards, winner.runId, "every process must read the winner's claim back");
          }
        }
      });
    });
  });

  function signedReceipt(fields: { workflow?: string; actorEmail?: string; decision?: Decision; runId?: string; timestamp?: string }): Receipt {
    const decision = fields.decision ?? "PASS";
    const receipt = buildReceipt({
      workflow: fields.workflow ?? "contract_workflow",
      actorEmail: fields.actorEmail ?? "agent@co.com",
      payload: { amount: 120, note: "ünïcode ✓" },
      policyResults: [{ policy: "contract_policy", passed: decision === "PASS", reason: "contract" }],
      decision,
      runId: fields.runId,
    });
    return signReceipt(fields.timestamp === undefined ? receipt : { ...receipt, timestamp: fields.timestamp }, secret);
  }
}

/** A claim of `key` by a new run, as `EnactClient` makes one. */
export function newClaim(key: string, runId: string = randomUUID()): IdempotencyClaim {
  const now = new Date().toISOString();
  return {
    key,
    fingerprint: "f".repeat(64),
    workflow: "contract_workflow",
    actorEmail: "agent@co.com",
    payload: { key },
    runId,
    state: "claimed",
    owner: `contract:${process.pid}`,
    claimedAt: now,
    updatedAt: now,
  };
}

async function closeIfClosable(store: ReceiptStore): Promise<void> {
  await (store as { close?: () => Promise<void> }).close?.();
}
