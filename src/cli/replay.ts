import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import Table from "cli-table3";
import type { KeyObject } from "node:crypto";
import { policySetDigest } from "../policy-set.js";
import type { Policy } from "../policy.js";
import { notReplayable, replayReceipt, type ReplayOutcome, type ReplaySettings } from "../replay/replay-decisions.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { brief, clean, colorsFor, safeJson, writeLines } from "./output.js";
import { asReceipt, decisionLabel, shortTime } from "./receipt-view.js";
import { auditKeysFor, type AuditableStore, type StoreCommand } from "./store.js";

/** Options of `enact-sdk replay`. */
export interface ReplayOptions {
  policies: string;
  json?: boolean;
  failOnChange?: boolean;
}

/** A stored receipt a replay did not evaluate, and why. */
interface Skipped {
  runId: string;
  where: string;
  reason: string;
}

/**
 * `enact-sdk replay --policies <module> [dir]`: evaluates the module's `policies` against every
 * stored receipt's workflow, actor and payload and reports each run whose decision would change.
 * Each receipt is verified first (the secret, or `--public-key`): a tampered one is reported and
 * never replayed. Executes nothing. Exit 0 (9 with `--fail-on-change` when a decision changes),
 * 1 when a receipt does not verify, 5 when one cannot be read.
 */
export async function replayCommand(options: ReplayOptions): Promise<StoreCommand> {
  const settings = await loadCandidate(options.policies);
  return (store, secret, keys) => replay(store, secret, keys, settings, options);
}

async function replay(store: AuditableStore, secret: string, keys: ReadonlyMap<string, KeyObject> | undefined, settings: ReplaySettings, options: ReplayOptions): Promise<ExitCode> {
  const verifier = auditKeysFor(secret, keys).verifier;
  const outcomes: ReplayOutcome[] = [];
  const tampered: Skipped[] = [];
  const unverifiable: Skipped[] = [];
  const unreadable: Skipped[] = [];
  const skipped: Skipped[] = [];
  for (const stored of await store.readAll()) {
    const { runId, where } = stored;
    const receipt = stored.error === undefined ? asReceipt(stored.value) : stored.error;
    if (typeof receipt === "string") {
      unreadable.push({ runId, where, reason: receipt });
      continue;
    }
    if (!verifier.verifyParsed(stored.value)) {
      const beyond = verifier.unverifiable?.(stored.value);
      if (beyond !== undefined) unverifiable.push({ runId, where, reason: beyond });
      else tampered.push({ runId, where, reason: "signature invalid (edited, forged, or signed with another key): not replayed" });
      continue;
    }
    const why = notReplayable(receipt);
    if (why !== undefined) {
      skipped.push({ runId, where, reason: why });
      continue;
    }
    outcomes.push(await replayReceipt(receipt, settings));
  }
  outcomes.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.runId.localeCompare(b.runId));
  const changed = outcomes.filter((outcome) => outcome.changed);
  const candidate = policySetDigest(settings.policies);
  if (options.json === true) {
    process.stdout.write(
      `${safeJson({ store: store.label, candidatePolicySet: candidate, replayed: outcomes.length, changed, tampered, unverifiable, unreadable, skipped })}\n`,
    );
  } else {
    writeLines(process.stdout, render(store.label, candidate, outcomes.length, changed, { tampered, unverifiable, unreadable, skipped }));
  }
  if (tampered.length > 0) return ExitCode.verificationFailed;
  if (unreadable.length > 0) return ExitCode.unreadable;
  return changed.length > 0 && options.failOnChange === true ? ExitCode.decisionsChanged : ExitCode.ok;
}

function render(label: string, candidate: string, replayed: number, changed: readonly ReplayOutcome[], others: Record<"tampered" | "unverifiable" | "unreadable" | "skipped", Skipped[]>): string[] {
  const c = colorsFor(process.stdout);
  const lines = [`Replaying ${replayed} run(s) of ${clean(label)} under policy set ${candidate}`];
  if (changed.length > 0) {
    const table = new Table({
      head: ["time", "run id", "workflow", "actor", "before", "after", "failing policies"].map((title) => c.bold(title)),
      style: { head: [], border: [] },
      chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
    });
    for (const outcome of changed) {
      const failing = outcome.results.filter((result) => !result.passed).map((result) => `${result.policy}: ${result.reason}`);
      table.push([
        shortTime(outcome.timestamp),
        outcome.runId,
        brief(outcome.workflow, 30),
        brief(outcome.actorEmail, 30),
        decisionLabel(outcome.before, c),
        decisionLabel(outcome.after, c),
        brief(failing.join("; ") || "—", 60),
      ]);
    }
    lines.push(table.toString());
  }
  for (const item of others.tampered) lines.push(`  ${c.red("TAMPERED  ")} ${item.runId}  ${clean(item.reason)}`);
  for (const item of others.unreadable) lines.push(`  ${c.yellow("UNREADABLE")} ${item.runId}  ${clean(item.reason)}`);
  for (const item of others.unverifiable) lines.push(`  ${c.yellow("UNCHECKED ")} ${item.runId}  ${clean(item.reason)}; not replayed`);
  lines.push(
    `${changed.length === 0 ? c.green("No decision would change.") : c.yellow(`${changed.length} of ${replayed} decision(s) would change.`)}` +
      (others.skipped.length > 0 ? ` ${others.skipped.length} receipt(s) skipped (rollbacks, reconciliations).` : ""),
  );
  return lines;
}

/** The candidate module's `policies` (and `systems`, `actorRoles`); exit 2 when it cannot be used. */
async function loadCandidate(path: string): Promise<ReplaySettings> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(ExitCode.usage, `--policies ${JSON.stringify(path)} cannot be loaded: ${(error as Error)?.message ?? String(error)}`);
  }
  const policies = module.policies;
  if (!Array.isArray(policies) || !policies.every((policy) => typeof policy === "function")) {
    throw new CliError(ExitCode.usage, `--policies ${JSON.stringify(path)} must export \`policies\`: an array of policies (functions)`);
  }
  const systems = module.systems;
  if (systems !== undefined && (typeof systems !== "object" || systems === null)) {
    throw new CliError(ExitCode.usage, `--policies ${JSON.stringify(path)}: \`systems\`, when exported, must be an object of connectors by name`);
  }
  const actorRoles = module.actorRoles as ReplaySettings["actorRoles"];
  return {
    policies: policies as Policy[],
    ...(systems === undefined ? {} : { systems: systems as Record<string, unknown> }),
    ...(actorRoles === undefined ? {} : { actorRoles }),
  };
}
