import { Receipt, type Decision } from "../models.js";
import { brief, clean, type Colors } from "./output.js";

/**
 * The stored value as a receipt, or a sentence saying why it is not one. Uses the zod schema, so
 * every field a command prints has the type it expects.
 */
export function asReceipt(value: unknown): Receipt | string {
  const parsed = Receipt.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return `is not a receipt (${issue === undefined ? "malformed" : `${issue.path.join(".") || "receipt"}: ${issue.message}`})`;
}

/** `2026-11-22 01:45:50Z`: the receipt's UTC time to the second. */
export function shortTime(timestamp: string): string {
  return brief(timestamp.replace("T", " ").replace(/\.\d+Z$/, "Z"), 30);
}

/** `postgres.insert_row, github.create_pr (failed)`, or `—` when nothing ran. */
export function actionSummary(receipt: Receipt): string {
  if (receipt.actionsTaken.length === 0) return "—";
  return receipt.actionsTaken
    .map((action) => `${action.system}.${action.action}${action.success ? "" : " (failed)"}`)
    .map((text) => brief(text, 60))
    .join(", ");
}

/** PASS in green, BLOCK in red, PARTIAL (a rollback that could not undo everything) in yellow. */
export function decisionLabel(decision: Decision, c: Colors): string {
  if (decision === "PASS") return c.green("PASS");
  if (decision === "PARTIAL") return c.yellow("PARTIAL");
  if (decision === "PENDING_APPROVAL") return c.yellow("PENDING_APPROVAL");
  return decision === "BLOCK" ? c.red("BLOCK") : c.red(clean(String(decision)));
}
