import type { StoredReceipt } from "../journal/audit.js";

/** What the list, its filters and the charts need of one receipt: a few short fields, never the whole receipt. */
export interface IndexEntry {
  runId: string;
  timestamp: string;
  /** `Date.parse(timestamp)`; NaN for a receipt that cannot be read. */
  time: number;
  workflow: string;
  actorEmail: string;
  /** PASS, BLOCK, PARTIAL, PENDING_APPROVAL, or UNREADABLE for a file that is not a receipt. */
  decision: string;
  /** The run threw, or an action failed. */
  failed: boolean;
  /** Names of the policies that failed. */
  failedPolicies: string[];
  /** `system.action` of each action. */
  actions: string[];
  /** Lowercased text the search box matches: ids, names, policy reasons, error, the start of the payload. */
  text: string;
}

// The search text keeps this much of the payload: enough to find a customer, an email or an id,
// small enough that 100,000 receipts stay a few tens of MB in memory.
const PAYLOAD_TEXT = 240;
/** The index entry of one stored receipt; a file that is not a receipt is an UNREADABLE entry, listed, not hidden. */
export function summarize(stored: StoredReceipt): IndexEntry {
  const value = stored.value;
  if (stored.error !== undefined || typeof value !== "object" || value === null || Array.isArray(value)) {
    return unreadable(stored.runId, stored.error ?? "is not a JSON object");
  }
  const receipt = value as Record<string, unknown>;
  const str = (field: unknown): string => (typeof field === "string" ? field : "");
  const policies = Array.isArray(receipt.policyResults) ? (receipt.policyResults as unknown[]) : [];
  const actions = Array.isArray(receipt.actionsTaken) ? (receipt.actionsTaken as unknown[]) : [];
  const failedPolicies: string[] = [];
  const reasons: string[] = [];
  for (const result of policies) {
    if (typeof result !== "object" || result === null) continue;
    const { policy, passed, reason } = result as Record<string, unknown>;
    if (passed === false) failedPolicies.push(str(policy));
    reasons.push(`${str(policy)} ${str(reason)}`);
  }
  let actionFailed = false;
  const actionNames: string[] = [];
  for (const action of actions) {
    if (typeof action !== "object" || action === null) continue;
    const { system, action: name, success } = action as Record<string, unknown>;
    actionNames.push(`${str(system)}.${str(name)}`);
    if (success === false) actionFailed = true;
  }
  const timestamp = str(receipt.timestamp);
  const decision = str(receipt.decision) || "UNREADABLE";
  let payload = "";
  try {
    payload = (JSON.stringify(receipt.payload) ?? "").slice(0, PAYLOAD_TEXT);
  } catch {
    payload = "";
  }
  const error = str(receipt.error);
  return {
    runId: stored.runId,
    timestamp,
    time: Date.parse(timestamp),
    workflow: str(receipt.workflow),
    actorEmail: str(receipt.actorEmail),
    decision,
    failed: error !== "" || actionFailed,
    failedPolicies,
    actions: actionNames,
    text: [stored.runId, receipt.workflow, receipt.actorEmail, decision, ...reasons, ...actionNames, error, payload].map(String).join("\n").toLowerCase(),
  };
}

function unreadable(runId: string, problem: string): IndexEntry {
  return { runId, timestamp: "", time: Number.NaN, workflow: "", actorEmail: "", decision: "UNREADABLE", failed: true, failedPolicies: [], actions: [], text: `${runId}\n${problem}`.toLowerCase() };
}

/** Newest first; unreadable receipts (no time) last; run id breaks ties so pages are stable. */
export function newestFirst(a: IndexEntry, b: IndexEntry): number {
  const at = Number.isNaN(a.time) ? Number.NEGATIVE_INFINITY : a.time;
  const bt = Number.isNaN(b.time) ? Number.NEGATIVE_INFINITY : b.time;
  return bt - at || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
}
