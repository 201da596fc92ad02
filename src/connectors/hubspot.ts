import type { Client } from "@hubspot/api-client";
import { ConfigurationError } from "../errors.js";
import type { ActionResult } from "../models.js";
import { loadPeer } from "../peer.js";
import { failed, succeeded } from "./action-result.js";
import { Allowlist } from "./allowlist.js";
import { describeHubSpotError, existingContactId } from "./hubspot/errors.js";
import { checkEmail, checkId, checkProperties, checkSince, InvalidInput } from "./hubspot/inputs.js";
import { ARCHIVE_ACTIONS, type ArchivableType, archive, planUndo } from "./hubspot/undo.js";
import { notUndoable, type UndoContext, type Undoable } from "../rollback/undoable.js";

// Loaded at module top level so importing this entry point without the SDK names the package to install.
const hubspot = loadPeer<typeof import("@hubspot/api-client")>("@hubspot/api-client", "enact-sdk/connectors/hubspot");

/** Every action the HubSpot connector knows, by the name allowlists and receipts use. */
export const HUBSPOT_ACTIONS = [
  "create_contact",
  "get_contact",
  "create_deal",
  "update_deal",
  "create_task",
  "count_tasks_for_contact",
  // Undo actions (see `undo`); allowlisted like any other, so they can be allowed or denied.
  "archive_contact",
  "archive_deal",
  "archive_task",
  "restore_deal",
] as const;
/** One of {@link HUBSPOT_ACTIONS}. */
export type HubSpotAction = (typeof HUBSPOT_ACTIONS)[number];

/** HubSpot property values, as HubSpot's API takes them: strings, passed through unchanged. */
export type HubSpotProperties = Record<string, string>;

/** Options for {@link HubSpotConnector}. */
export interface HubSpotConnectorOptions {
  /** A private-app access token. Default: `process.env.HUBSPOT_API_KEY`. Not needed with `client`. */
  apiKey?: string;
  /** A ready `@hubspot/api-client` Client (its own retry and rate-limit settings then apply). */
  client?: Client;
  /** API base URL, e.g. a test server. Default: HubSpot's (`https://api.hubapi.com`). */
  basePath?: string;
  /** Actions this connector may perform. Default: all of {@link HUBSPOT_ACTIONS}; `[]` allows none. */
  allowedActions?: readonly HubSpotAction[];
}

type ObjectsApi = Client["crm"]["objects"];
type CreateInput = Parameters<ObjectsApi["basicApi"]["create"]>[1];
type SearchRequest = Parameters<ObjectsApi["searchApi"]["doSearch"]>[1];

const SYSTEM = "hubspot";
// HubSpot's own "HUBSPOT_DEFINED" default association types, as the SDK names them.
const DEAL_TO_CONTACT = hubspot.AssociationTypes.dealToContact; // 3
const TASK_TO_CONTACT = hubspot.AssociationTypes.taskToContact; // 204

/**
 * HubSpot CRM connector on the official `@hubspot/api-client` (CRM v3 objects and search APIs).
 * Every action checks the allowlist first (the one thing that throws: `PermissionError`); API and
 * network failures come back as `success: false` with HubSpot's message, status and, for 429,
 * `retryAfter` — never the token. The client it builds makes no retries of its own, so a failure
 * is reported at once and the caller decides when to retry.
 *
 * @example
 * const hubspot = new HubSpotConnector({ allowedActions: ["create_contact", "get_contact"] });
 * const result = await hubspot.createContact({ email: "ada@example.com", properties: { firstname: "Ada" } });
 * if (result.success) console.log(result.output.id, result.alreadyDone ? "(existed)" : "(new)");
 */
export class HubSpotConnector implements Undoable {
  /** The system name receipts record. */
  static readonly system = SYSTEM;

  readonly #objects: ObjectsApi;
  readonly #allowlist: Allowlist<HubSpotAction>;
  // Kept only to scrub it from anything HubSpot or the network echoes back.
  readonly #token: string | undefined;

  constructor(options: HubSpotConnectorOptions = {}) {
    this.#allowlist = new Allowlist(SYSTEM, HUBSPOT_ACTIONS, options.allowedActions);
    if (options.client !== undefined) {
      this.#token = options.client.config.accessToken ?? options.apiKey;
      this.#objects = options.client.crm.objects;
      return;
    }
    const token = options.apiKey ?? process.env.HUBSPOT_API_KEY;
    if (token === undefined || token.trim() === "") {
      throw new ConfigurationError(
        "HubSpotConnector needs an access token: pass { apiKey }, set HUBSPOT_API_KEY, or pass a ready { client }.",
      );
    }
    this.#token = token;
    const client = new hubspot.Client({
      accessToken: token,
      // No SDK retries: they would hide a 429/5xx behind up to a minute of waiting.
      numberOfApiCallRetries: 0,
      ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
    });
    // The SDK keeps its decorators (retries, rate limiter) in a process-wide singleton and applies
    // them when an API object is first built; building ours now pins the no-retry setting above.
    this.#objects = client.crm.objects;
  }

  /** The actions this connector will perform. */
  get allowedActions(): readonly string[] {
    return this.#allowlist.actions;
  }

  /**
   * Creates a contact, unless one with this email exists: then `success: true, alreadyDone: true`
   * and the existing id. Checks by search first and also understands HubSpot's 409 "Contact already
   * exists. Existing ID: …" (search is eventually consistent, so a just-created contact can be missed).
   * `properties` pass through unchanged; `email` is added to them.
   */
  async createContact(input: { email: string; properties?: HubSpotProperties }): Promise<ActionResult> {
    const action = "create_contact";
    this.#allowlist.check(action);
    return this.#attempt(action, async () => {
      const email = checkEmail(input.email);
      const properties = checkProperties(input.properties ?? {});
      if (properties.email !== undefined && properties.email.toLowerCase() !== email.toLowerCase()) {
        throw new InvalidInput("properties.email differs from email; pass the address once, as email.");
      }
      const existing = await this.#findContact(email);
      if (existing !== undefined) {
        return succeeded(SYSTEM, action, { id: existing.id, email, properties: existing.properties }, { alreadyDone: true });
      }
      try {
        const created = await this.#objects.basicApi.create("contacts", { properties: { ...properties, email } });
        return succeeded(SYSTEM, action, { id: created.id, email, properties: created.properties }, {
          alreadyDone: false,
          rollbackData: { objectType: "contacts", id: created.id, written: written(created.properties, { ...properties, email }) },
        });
      } catch (error) {
        const existingId = existingContactId(describeHubSpotError(error));
        if (existingId === undefined) throw error;
        return succeeded(SYSTEM, action, { id: existingId, email }, { alreadyDone: true });
      }
    });
  }

  /** Looks a contact up by email. Output: `{ found, email, id?, properties? }`. */
  async getContact(input: { email: string }): Promise<ActionResult> {
    const action = "get_contact";
    this.#allowlist.check(action);
    return this.#attempt(action, async () => {
      const email = checkEmail(input.email);
      const contact = await this.#findContact(email);
      return succeeded(
        SYSTEM,
        action,
        contact === undefined ? { found: false, email } : { found: true, id: contact.id, email, properties: contact.properties },
      );
    });
  }

  /** Creates a deal, associated with `contactId` (HubSpot's default deal→contact type) when given. */
  async createDeal(input: { contactId?: string; properties: HubSpotProperties }): Promise<ActionResult> {
    const action = "create_deal";
    this.#allowlist.check(action);
    return this.#attempt(action, async () => {
      const properties = checkProperties(input.properties);
      const contactId = input.contactId === undefined ? undefined : checkId("contactId", input.contactId);
      const created = await this.#objects.basicApi.create("deals", {
        properties,
        associations: contactId === undefined ? [] : [toContact(contactId, DEAL_TO_CONTACT)],
      });
      return succeeded(SYSTEM, action, { id: created.id, ...(contactId !== undefined ? { contactId } : {}), properties: created.properties }, {
        alreadyDone: false,
        rollbackData: { objectType: "deals", id: created.id, written: written(created.properties, properties) },
      });
    });
  }

  /**
   * Updates a deal's properties. Reads their current values first: `rollbackData.previousProperties`
   * holds them (null for unset), and when every value is already as asked it changes nothing
   * (`alreadyDone: true`).
   */
  async updateDeal(input: { dealId: string; properties: HubSpotProperties }): Promise<ActionResult> {
    const action = "update_deal";
    this.#allowlist.check(action);
    return this.#attempt(action, async () => {
      const dealId = checkId("dealId", input.dealId);
      const properties = checkProperties(input.properties, { nonEmpty: true });
      const names = Object.keys(properties);
      const current = await this.#objects.basicApi.getById("deals", dealId, names);
      const previousProperties = Object.fromEntries(names.map((name) => [name, current.properties[name] ?? null]));
      if (names.every((name) => previousProperties[name] === properties[name])) {
        return succeeded(SYSTEM, action, { id: dealId, properties: previousProperties }, { alreadyDone: true });
      }
      const updated = await this.#objects.basicApi.update("deals", dealId, { properties });
      return succeeded(SYSTEM, action, { id: updated.id, properties: pick(updated.properties, names) }, {
        alreadyDone: false,
        rollbackData: { objectType: "deals", id: dealId, previousProperties },
      });
    });
  }

  /**
   * Creates a task associated with `contactId` (HubSpot's default task→contact type). HubSpot
   * requires `hs_timestamp` (the due date) among the properties.
   */
  async createTask(input: { contactId: string; properties: HubSpotProperties }): Promise<ActionResult> {
    const action = "create_task";
    this.#allowlist.check(action);
    return this.#attempt(action, async () => {
      const contactId = checkId("contactId", input.contactId);
      const properties = checkProperties(input.properties);
      const created = await this.#objects.basicApi.create("tasks", {
        properties,
        associations: [toContact(contactId, TASK_TO_CONTACT)],
      });
      return succeeded(SYSTEM, action, { id: created.id, contactId, properties: created.properties }, {
        alreadyDone: false,
        rollbackData: { objectType: "tasks", id: created.id, written: written(created.properties, properties) },
      });
    });
  }

  /**
   * Counts the tasks associated with a contact that were created at or after `since` (read-only;
   * allowlist name `count_tasks_for_contact`). Output: `{ contactId, since, count }`. HubSpot's
   * search index lags writes by a few seconds, so a task created just now may not be counted yet.
   */
  async countTasksForContact(input: { contactId: string; since: Date | string }): Promise<ActionResult> {
    const action = "count_tasks_for_contact";
    this.#allowlist.check(action);
    return this.#attempt(action, async () => {
      const contactId = checkId("contactId", input.contactId);
      const since = checkSince(input.since);
      const request = {
        filterGroups: [
          {
            filters: [
              { propertyName: "associations.contact", operator: "EQ", value: contactId },
              { propertyName: "hs_createdate", operator: "GTE", value: String(since.getTime()) },
            ],
          },
        ],
        properties: ["hs_createdate"],
        limit: 1,
      } as SearchRequest;
      const page = await this.#objects.searchApi.doSearch("tasks", request);
      return succeeded(SYSTEM, action, { contactId, since: since.toISOString(), count: page.total });
    });
  }

  /** Archives a contact (HubSpot keeps it restorable for 90 days). Already archived: `alreadyDone`. */
  async archiveContact(input: { id: string }): Promise<ActionResult> {
    return this.#archive("contacts", input);
  }

  /** Archives a deal. Already archived: `alreadyDone`. */
  async archiveDeal(input: { id: string }): Promise<ActionResult> {
    return this.#archive("deals", input);
  }

  /** Archives a task. Already archived: `alreadyDone`. */
  async archiveTask(input: { id: string }): Promise<ActionResult> {
    return this.#archive("tasks", input);
  }

  /**
   * Undoes one action this connector took in a run, from its receipt (called by
   * `EnactClient.rollback()`): created contacts, deals and tasks are archived (`archive_contact`,
   * `archive_deal`, `archive_task`); an `update_deal` is reverted (`restore_deal`) to the values it
   * replaced; either unless someone changed what the run wrote since (then left alone and reported). Reads resolve
   * undefined. The undo action must be allowed, else `PermissionError`.
   */
  async undo(action: ActionResult, _context?: UndoContext): Promise<ActionResult | undefined> {
    if (action.system !== SYSTEM) return notUndoable(SYSTEM, `Not a HubSpot action: ${action.system}.${action.action}`);
    let plan: ReturnType<typeof planUndo>;
    try {
      plan = planUndo(action);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      return notUndoable(SYSTEM, `The receipt's rollback data of ${action.action} is not usable: ${error.message}`);
    }
    if (plan === undefined || !("run" in plan)) return plan;
    const step = plan;
    this.#allowlist.check(step.action);
    return this.#attempt(step.action, () => step.run(this.#objects));
  }

  async #archive(type: ArchivableType, input: { id: string }): Promise<ActionResult> {
    const action = ARCHIVE_ACTIONS[type];
    this.#allowlist.check(action);
    return this.#attempt(action, () => archive(this.#objects, type, checkId("id", input?.id)));
  }

  async #findContact(email: string): Promise<{ id: string; properties: Record<string, string | null> } | undefined> {
    const request = {
      filterGroups: [{ filters: [{ propertyName: "email", operator: "EQ", value: email }] }],
      limit: 1,
    } as SearchRequest;
    const page = await this.#objects.searchApi.doSearch("contacts", request);
    const first = page.results[0];
    return first === undefined ? undefined : { id: first.id, properties: { ...first.properties } };
  }

  // Runs an action body; bad input and every HubSpot or network failure become a failed result.
  async #attempt(action: HubSpotAction, body: () => Promise<ActionResult>): Promise<ActionResult> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof InvalidInput) return failed(SYSTEM, action, error.message, {}, [this.#token]);
      const { message, ...details } = describeHubSpotError(error, [this.#token]);
      const prefix = details.status === undefined ? "HubSpot request failed" : `HubSpot API error ${details.status}`;
      return failed(SYSTEM, action, `${prefix}: ${message}`, details, [this.#token]);
    }
  }
}

function toContact(contactId: string, associationTypeId: number): NonNullable<CreateInput["associations"]>[number] {
  return {
    to: { id: contactId },
    types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId }],
  } as NonNullable<CreateInput["associations"]>[number];
}

function pick(properties: Record<string, string | null>, names: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((name) => [name, properties[name] ?? null]));
}

/**
 * The properties a create wrote, for its undo to check that they still hold: each as HubSpot
 * answered it (its own form, e.g. an email lower-cased, as a later read shows it; `update_deal`
 * records its values the same way), else as sent.
 */
function written(answered: Record<string, string | null>, sent: HubSpotProperties): Record<string, string> {
  return Object.fromEntries(Object.entries(sent).map(([name, value]) => [name, answered[name] ?? value]));
}
