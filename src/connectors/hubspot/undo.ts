import type { Client } from "@hubspot/api-client";
import type { ActionResult } from "../../models.js";
import { notUndoable } from "../../rollback/undoable.js";
import { failed, succeeded } from "../action-result.js";
import { describeHubSpotError } from "./errors.js";
import { checkId, InvalidInput } from "./inputs.js";

type ObjectsApi = Client["crm"]["objects"];

const SYSTEM = "hubspot";

/** The object types the connector creates, with the action that archives each. */
export const ARCHIVE_ACTIONS = {
  contacts: "archive_contact",
  deals: "archive_deal",
  tasks: "archive_task",
} as const;
export type ArchivableType = keyof typeof ARCHIVE_ACTIONS;
export type HubSpotUndoAction = (typeof ARCHIVE_ACTIONS)[ArchivableType] | "restore_deal";

/** Actions that only read: their undo is nothing. */
const READS = new Set(["get_contact", "count_tasks_for_contact"]);
/** What each create action made. */
const CREATED: Record<string, ArchivableType> = { create_contact: "contacts", create_deal: "deals", create_task: "tasks" };

/** One undo to perform: the allowlisted action it is, and how. */
export interface HubSpotUndoStep {
  readonly action: HubSpotUndoAction;
  readonly run: (objects: ObjectsApi) => Promise<ActionResult>;
}

/**
 * How to undo one HubSpot action, from its signed receipt alone: a step, a `not_undoable` result,
 * or undefined for a read. Creates are archived (HubSpot keeps archived records restorable for 90
 * days); a deal update is restored to the values it replaced, unless someone changed them since.
 */
export function planUndo(action: ActionResult): HubSpotUndoStep | ActionResult | undefined {
  if (READS.has(action.action)) return undefined;
  const data = action.rollbackData ?? {};
  const created = CREATED[action.action];
  if (created !== undefined) {
    if (data.objectType !== created) return notUndoable(SYSTEM, `The receipt's rollback data of ${action.action} names no ${created} record.`);
    const id = checkId("id", data.id);
    return { action: ARCHIVE_ACTIONS[created], run: (objects) => archive(objects, created, id) };
  }
  if (action.action === "update_deal") {
    const id = checkId("id", data.id);
    const previous = propertyValues(data.previousProperties, "previousProperties");
    const written = propertyValues(action.output.properties, "output.properties");
    return { action: "restore_deal", run: (objects) => restoreDeal(objects, id, previous, written) };
  }
  return notUndoable(SYSTEM, `HubSpot action '${action.action}' has no undo.`);
}

/** Archives one record. Already archived (HubSpot answers 404): done. */
export async function archive(objects: ObjectsApi, type: ArchivableType, id: string): Promise<ActionResult> {
  const action = ARCHIVE_ACTIONS[type];
  try {
    await objects.basicApi.archive(type, id);
  } catch (error) {
    if (describeHubSpotError(error).status !== 404) throw error;
    return succeeded(SYSTEM, action, { objectType: type, id, archived: true }, { alreadyDone: true });
  }
  return succeeded(SYSTEM, action, { objectType: type, id, archived: true });
}

/**
 * Puts back the deal properties an update replaced (`null`: was unset, cleared with `""` as
 * HubSpot's API requires), only while they still hold what the update wrote. A value changed by
 * someone else since is left alone and reported.
 */
async function restoreDeal(
  objects: ObjectsApi,
  id: string,
  previous: Record<string, string | null>,
  written: Record<string, string | null>,
): Promise<ActionResult> {
  const names = Object.keys(previous);
  let current: Record<string, string | null>;
  try {
    current = (await objects.basicApi.getById("deals", id, names)).properties;
  } catch (error) {
    if (describeHubSpotError(error).status !== 404) throw error;
    return failed(SYSTEM, "restore_deal", `Deal ${id} no longer exists (archived or deleted since the run); nothing to restore`, {
      id,
      leftAlone: true,
    });
  }
  if (names.every((name) => same(current[name], previous[name]))) {
    return succeeded(SYSTEM, "restore_deal", { id, properties: previous }, { alreadyDone: true });
  }
  const changed = names.filter((name) => !same(current[name], written[name]));
  if (changed.length > 0) {
    return failed(
      SYSTEM,
      "restore_deal",
      `Deal ${id} was changed after the run (${changed.join(", ")} no longer hold what the run wrote), so it is left alone`,
      { id, leftAlone: true, changed: Object.fromEntries(changed.map((name) => [name, current[name] ?? null])) },
    );
  }
  const restore = Object.fromEntries(names.map((name) => [name, previous[name] ?? ""]));
  await objects.basicApi.update("deals", id, { properties: restore });
  return succeeded(SYSTEM, "restore_deal", { id, properties: previous });
}

// HubSpot reads an unset property as null and clears one with "": both mean "no value".
function same(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a ?? "") === (b ?? "");
}

function propertyValues(value: unknown, field: string): Record<string, string | null> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInput(`The receipt's ${field} of update_deal is not an object of property values.`);
  }
  const entries = Object.entries(value);
  if (entries.length === 0 || entries.some(([, item]) => item !== null && typeof item !== "string")) {
    throw new InvalidInput(`The receipt's ${field} of update_deal must map property names to strings or null.`);
  }
  return Object.fromEntries(entries) as Record<string, string | null>;
}
