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
 * days) and a deal update is restored to the values it replaced, each unless someone changed what
 * the run wrote since.
 */
export function planUndo(action: ActionResult): HubSpotUndoStep | ActionResult | undefined {
  if (READS.has(action.action)) return undefined;
  const data = action.rollbackData ?? {};
  const created = CREATED[action.action];
  if (created !== undefined) {
    if (data.objectType !== created) return notUndoable(SYSTEM, `The receipt's rollback data of ${action.action} names no ${created} record.`);
    const id = checkId("id", data.id);
    // A receipt signed before creates recorded `written` has none: it is archived unchecked, as
    // it was then, so that every receipt already signed can still be rolled back.
    if (data.written === undefined) return { action: ARCHIVE_ACTIONS[created], run: (objects) => archive(objects, created, id) };
    const written = propertyValues(data.written, "rollbackData.written", action.action, { nonEmpty: false });
    return { action: ARCHIVE_ACTIONS[created], run: (objects) => archiveUnchanged(objects, created, id, written) };
  }
  if (action.action === "update_deal") {
    const id = checkId("id", data.id);
    const previous = propertyValues(data.previousProperties, "previousProperties", action.action);
    const written = propertyValues(action.output.properties, "output.properties", action.action);
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

const NOUNS: Record<ArchivableType, string> = { contacts: "Contact", deals: "Deal", tasks: "Task" };

/**
 * Archives a record the run created, only while every property the run wrote still holds what it
 * wrote: a record someone edited since is left alone and reported. Gone (404): already archived.
 * HubSpot cannot archive conditionally, so an edit landing between the read and the archive is
 * archived with the record (a one-request window).
 */
async function archiveUnchanged(
  objects: ObjectsApi,
  type: ArchivableType,
  id: string,
  written: Record<string, string | null>,
): Promise<ActionResult> {
  const names = Object.keys(written);
  if (names.length > 0) {
    let current: Record<string, string | null>;
    try {
      current = (await objects.basicApi.getById(type, id, names)).properties;
    } catch (error) {
      if (describeHubSpotError(error).status !== 404) throw error;
      return succeeded(SYSTEM, ARCHIVE_ACTIONS[type], { objectType: type, id, archived: true }, { alreadyDone: true });
    }
    const changed = changedSince(names, current, written);
    if (changed.length > 0) return changedAfterRun(ARCHIVE_ACTIONS[type], `${NOUNS[type]} ${id}`, changed, current, { objectType: type, id });
  }
  return archive(objects, type, id);
}

/** The properties of `names` that no longer hold what the run wrote. */
function changedSince(names: readonly string[], current: Record<string, string | null>, written: Record<string, string | null>): string[] {
  return names.filter((name) => !holds(name, current[name], written[name]));
}

/** An undo's refusal of a record someone changed after the run: left alone, with what it now holds. */
function changedAfterRun(
  action: HubSpotUndoAction,
  record: string,
  changed: readonly string[],
  current: Record<string, string | null>,
  output: Record<string, unknown>,
): ActionResult {
  return failed(SYSTEM, action, `${record} was changed after the run (${changed.join(", ")} no longer hold what the run wrote), so it is left alone`, {
    ...output,
    leftAlone: true,
    changed: Object.fromEntries(changed.map((name) => [name, current[name] ?? null])),
  });
}

// HubSpot stores an email address lower-cased (Ada@Example.com reads back as ada@example.com) and
// `written` holds the address as sent when HubSpot's answer left it out, so email is compared
// case-insensitively; every other value exactly.
function holds(name: string, current: string | null | undefined, written: string | null | undefined): boolean {
  return name === "email" ? same(current?.toLowerCase(), written?.toLowerCase()) : same(current, written);
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
  const changed = changedSince(names, current, written);
  if (changed.length > 0) return changedAfterRun("restore_deal", `Deal ${id}`, changed, current, { id });
  const restore = Object.fromEntries(names.map((name) => [name, previous[name] ?? ""]));
  await objects.basicApi.update("deals", id, { properties: restore });
  return succeeded(SYSTEM, "restore_deal", { id, properties: previous });
}

// HubSpot reads an unset property as null and clears one with "": both mean "no value".
function same(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a ?? "") === (b ?? "");
}

/** A receipt's map of property name → value (string, or null for unset), refused naming `field`. */
function propertyValues(value: unknown, field: string, action: string, { nonEmpty = true } = {}): Record<string, string | null> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInput(`The receipt's ${field} of ${action} is not an object of property values.`);
  }
  const entries = Object.entries(value);
  if ((nonEmpty && entries.length === 0) || entries.some(([, item]) => item !== null && typeof item !== "string")) {
    throw new InvalidInput(`The receipt's ${field} of ${action} must map property names to strings or null.`);
  }
  return Object.fromEntries(entries) as Record<string, string | null>;
}
