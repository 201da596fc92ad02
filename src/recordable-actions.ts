import { describeError } from "./policy.js";
import { toJsonSafe } from "./json-safe.js";
import type { ActionResult } from "./models.js";

/**
 * What a receipt can honestly record of a workflow's actions when recording them as they are
 * failed (an output whose getter, `toJSON` or proxy trap throws, or one nested too deep): each
 * action that converts is kept as is; each other one keeps whatever of its name, system and
 * success can be read, with why its output is missing. Never throws: it runs after the workflow
 * changed things, when a receipt must be written whatever the actions hold.
 */
export function recordableActions(actions: readonly ActionResult[]): ActionResult[] {
  let list: unknown[];
  try {
    list = Array.from(actions as readonly unknown[]);
  } catch (error) {
    return [unrecorded({}, `the list of actions cannot be read (${describeError(error)})`)];
  }
  return list.map((action) => {
    try {
      return toJsonSafe(action) as unknown as ActionResult;
    } catch (error) {
      return unrecorded(action, describeError(error));
    }
  });
}

function unrecorded(action: unknown, problem: string): ActionResult {
  return {
    action: readText(action, "action"),
    system: readText(action, "system"),
    success: readField(action, "success") === true,
    output: { unrecorded: `This action's result could not be recorded: ${problem}` },
  };
}

function readText(action: unknown, field: string): string {
  const value = readField(action, field);
  return typeof value === "string" ? value : "unknown";
}

function readField(action: unknown, field: string): unknown {
  try {
    return (action as Record<string, unknown>)[field];
  } catch {
    return undefined;
  }
}
