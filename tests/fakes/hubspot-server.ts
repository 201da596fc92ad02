import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local, stateful stand-in for the parts of HubSpot's CRM v3 API that HubSpotConnector uses:
 * `POST/GET/PATCH /crm/v3/objects/{contacts|deals|tasks}[/{id}]` and `POST .../search`, with
 * associations given at create time. It answers with HubSpot's shapes:
 * records `{ id, properties, createdAt, updatedAt, archived }`, search `{ total, results, paging? }`,
 * errors `{ status: "error", message, correlationId, category, errors? }` — the 409 for an existing
 * contact says "Contact already exists. Existing ID: <id>" (category CONFLICT, as HubSpot sends it).
 * It checks the bearer token on every request and can be told to fail the next request(s).
 */
export class FakeHubSpot {
  /** The access token the fake accepts. */
  readonly token: string;
  /** Every request received, in order (for asserting what was — or was not — sent). */
  readonly requests: RecordedRequest[] = [];
  /** Stored records by object type. */
  readonly objects: Record<ObjectType, Map<string, StoredRecord>> = {
    contacts: new Map(),
    deals: new Map(),
    tasks: new Map(),
  };
  /** Associations made at create time. */
  readonly associations: StoredAssociation[] = [];
  /** Ids that search does not see yet (HubSpot's search index lags writes by seconds). */
  readonly hiddenFromSearch = new Set<string>();
  /** The fake's clock; tests move it to create records "in the past". */
  now: () => Date = () => new Date();

  readonly #server: Server;
  readonly #faults: Fault[] = [];
  #nextId = 1001;
  #url = "";

  private constructor(token: string) {
    this.token = token;
    this.#server = createServer((request, response) => {
      void this.#handle(request, response);
    });
  }

  /** Starts a fake on 127.0.0.1 on a free port. */
  static async start(options: { token?: string } = {}): Promise<FakeHubSpot> {
    const fake = new FakeHubSpot(options.token ?? "pat-na1-test-token-0f9a8b7c6d5e");
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    const { port } = fake.#server.address() as AddressInfo;
    fake.#url = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** Base URL to pass as `basePath`. */
  get url(): string {
    return this.#url;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }

  /**
   * Makes the next matching request(s) fail with `status` and a HubSpot error body (or `rawBody`).
   * `match` narrows which request fails, e.g. `"POST /crm/v3/objects/deals"` (exact).
   */
  failNext(fault: FaultSpec): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /** Stores a record directly, bypassing the API (for arranging state). */
  seed(type: ObjectType, properties: Record<string, string>, options: SeedOptions = {}): StoredRecord {
    const record = this.#store(type, properties, options.createdAt ?? this.now());
    for (const contactId of options.associatedContactIds ?? []) {
      this.associations.push({ fromType: type, fromId: record.id, toType: "contacts", toId: contactId, typeId: ASSOCIATION_TO_CONTACT[type] ?? 0 });
    }
    return record;
  }

  /** Ids of `toType` records associated with the record `fromType/fromId`. */
  /** The ids of the live (not archived) records of `toType` associated with a record. */
  associatedIds(fromType: ObjectType, fromId: string, toType: ObjectType): string[] {
    return this.associations
      .filter((a) => a.fromType === fromType && a.fromId === fromId && a.toType === toType && this.objects[toType].get(a.toId)?.archived === false)
      .map((a) => a.toId);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.#url);
    const text = await readBody(request);
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const method = request.method ?? "GET";
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body, headers: request.headers });

    const fault = this.#takeFault(`${method} ${url.pathname}`);
    if (fault !== undefined) return this.#sendFault(response, fault);

    if (request.headers.authorization !== `Bearer ${this.token}`) {
      return sendError(response, 401, "INVALID_AUTHENTICATION",
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview");
    }

    const route = /^\/crm\/v3\/objects\/([a-z_]+)(?:\/([^/]+))?$/.exec(url.pathname);
    const type = route?.[1];
    if (route === null || type === undefined || !isObjectType(type)) {
      return sendError(response, 404, "OBJECT_NOT_FOUND", "resource not found");
    }
    const id = route[2];
    if (method === "POST" && id === undefined) return this.#create(response, type, body);
    if (method === "POST" && id === "search") return this.#search(response, type, body);
    if (method === "GET" && id !== undefined) return this.#get(response, type, id, url.searchParams.getAll("properties"));
    if (method === "PATCH" && id !== undefined) return this.#update(response, type, id, body);
    if (method === "DELETE" && id !== undefined && id !== "search") return this.#archive(response, type, id);
    return sendError(response, 405, "VALIDATION_ERROR", `Method ${method} not allowed`);
  }

  #create(response: ServerResponse, type: ObjectType, body: unknown): void {
    const input = body as { properties?: Record<string, unknown>; associations?: AssociationInput[] } | undefined;
    const properties = input?.properties ?? {};
    const invalid = validateProperties(type, properties);
    if (invalid.length > 0) return sendValidation(response, invalid);
    const values = properties as Record<string, string>;
    if (type === "contacts" && typeof values.email === "string") {
      const existing = this.#findByEmail(values.email);
      if (existing !== undefined) {
        return sendError(response, 409, "CONFLICT", `Contact already exists. Existing ID: ${existing.id}`);
      }
    }
    for (const association of input?.associations ?? []) {
      const problem = this.#checkAssociation(type, association);
      if (problem !== undefined) return sendError(response, 400, "VALIDATION_ERROR", problem);
    }
    const record = this.#store(type, values, this.now());
    for (const association of input?.associations ?? []) {
      this.associations.push({
        fromType: type,
        fromId: record.id,
        toType: "contacts",
        toId: String(association.to.id),
        typeId: association.types?.[0]?.associationTypeId ?? 0,
      });
    }
    sendJson(response, 201, present(record));
  }

  #get(response: ServerResponse, type: ObjectType, id: string, properties: string[]): void {
    const record = this.objects[type].get(id);
    if (record === undefined || record.archived) return sendError(response, 404, "OBJECT_NOT_FOUND", "resource not found");
    sendJson(response, 200, present(record, properties.flatMap((p) => p.split(","))));
  }

  #update(response: ServerResponse, type: ObjectType, id: string, body: unknown): void {
    const record = this.objects[type].get(id);
    if (record === undefined || record.archived) return sendError(response, 404, "OBJECT_NOT_FOUND", "resource not found");
    const properties = (body as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    const invalid = validateProperties(type, properties, { creating: false });
    if (invalid.length > 0) return sendValidation(response, invalid);
    for (const [name, value] of Object.entries(properties as Record<string, string>)) {
      // HubSpot clears a property set to "": it reads back as unset.
      if (value === "") delete record.properties[name];
      else record.properties[name] = value;
    }
    record.updatedAt = this.now().toISOString();
    record.properties.hs_lastmodifieddate = record.updatedAt;
    sendJson(response, 200, present(record));
  }

  // DELETE /crm/v3/objects/{type}/{id}: HubSpot "archives" (soft-deletes) and answers 204 with no body.
  #archive(response: ServerResponse, type: ObjectType, id: string): void {
    const record = this.objects[type].get(id);
    if (record === undefined || record.archived) return sendError(response, 404, "OBJECT_NOT_FOUND", "resource not found");
    record.archived = true;
    record.archivedAt = this.now().toISOString();
    response.writeHead(204);
    response.end();
  }

  /**
   * What the API shows, for comparing before and after: every live (not archived) record by type,
   * with its properties minus the ones HubSpot maintains itself (modification time), and the
   * associations between live records.
   */
  snapshot(): { objects: Record<ObjectType, Record<string, Record<string, string>>>; associations: string[] } {
    const live = (type: ObjectType): Record<string, Record<string, string>> =>
      Object.fromEntries(
        [...this.objects[type].values()]
          .filter((record) => !record.archived)
          .map((record) => {
            const { hs_lastmodifieddate: _modified, ...properties } = record.properties;
            return [record.id, properties];
          }),
      );
    const isLive = (type: ObjectType, id: string): boolean => this.objects[type].get(id)?.archived === false;
    return {
      objects: { contacts: live("contacts"), deals: live("deals"), tasks: live("tasks") },
      associations: this.associations
        .filter((a) => isLive(a.fromType, a.fromId) && isLive(a.toType, a.toId))
        .map((a) => `${a.fromType}/${a.fromId} -> ${a.toType}/${a.toId} (${a.typeId})`),
    };
  }

  #search(response: ServerResponse, type: ObjectType, body: unknown): void {
    const request = (body ?? {}) as SearchRequest;
    const groups = request.filterGroups ?? [];
    const limit = request.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_SEARCH_LIMIT) {
      return sendError(response, 400, "VALIDATION_ERROR", `Invalid input JSON: limit must be between 0 and ${MAX_SEARCH_LIMIT}, got ${String(limit)}`);
    }
    const unknown = groups.flatMap((group) => group.filters).find((filter) => !SEARCH_OPERATORS.includes(filter.operator));
    if (unknown !== undefined) {
      return sendError(response, 400, "VALIDATION_ERROR",
        `Invalid input JSON on line 1: Cannot deserialize value of type \`FilterOperatorEnum\` from String "${unknown.operator}": not one of the values accepted for Enum class: [${SEARCH_OPERATORS.join(", ")}]`);
    }
    const matches = [...this.objects[type].values()].filter(
      (record) => !record.archived && !this.hiddenFromSearch.has(record.id) && (groups.length === 0 || groups.some((group) => group.filters.every((filter) => this.#matches(type, record, filter)))),
    );
    const offset = Number(request.after ?? 0);
    const page = matches.slice(offset, offset + limit);
    const next = offset + limit < matches.length ? { paging: { next: { after: String(offset + limit) } } } : {};
    sendJson(response, 200, { total: matches.length, results: page.map((record) => present(record, request.properties ?? [])), ...next });
  }

  #matches(type: ObjectType, record: StoredRecord, filter: SearchFilter): boolean {
    if (filter.propertyName.startsWith("associations.")) {
      const toType = `${filter.propertyName.slice("associations.".length)}s`;
      return filter.operator === "EQ" && isObjectType(toType) && this.associatedIds(type, record.id, toType).includes(String(filter.value));
    }
    const actual = record.properties[filter.propertyName];
    if (filter.operator === "HAS_PROPERTY") return actual !== undefined;
    if (filter.operator === "NOT_HAS_PROPERTY") return actual === undefined;
    if (actual === undefined) return filter.operator === "NEQ" || filter.operator === "NOT_IN";
    const value = String(filter.value ?? "");
    const values = (filter.values ?? []).map((v) => String(v).toLowerCase());
    switch (filter.operator) {
      case "EQ":
        return actual.toLowerCase() === value.toLowerCase();
      case "NEQ":
        return actual.toLowerCase() !== value.toLowerCase();
      case "GT":
        return toMillis(actual) > toMillis(value);
      case "GTE":
        return toMillis(actual) >= toMillis(value);
      case "LT":
        return toMillis(actual) < toMillis(value);
      case "LTE":
        return toMillis(actual) <= toMillis(value);
      case "BETWEEN":
        return toMillis(actual) >= toMillis(value) && toMillis(actual) <= toMillis(String(filter.highValue ?? ""));
      case "IN":
        return values.includes(actual.toLowerCase());
      case "NOT_IN":
        return !values.includes(actual.toLowerCase());
      case "CONTAINS_TOKEN":
        return actual.toLowerCase().split(/[\s@.]+/).includes(value.toLowerCase().replace(/^\*|\*$/g, ""));
      case "NOT_CONTAINS_TOKEN":
        return !actual.toLowerCase().split(/[\s@.]+/).includes(value.toLowerCase().replace(/^\*|\*$/g, ""));
      default:
        return false;
    }
  }

  #checkAssociation(type: ObjectType, association: AssociationInput): string | undefined {
    const spec = association.types?.[0];
    if (spec?.associationCategory !== "HUBSPOT_DEFINED" || spec.associationTypeId !== ASSOCIATION_TO_CONTACT[type]) {
      return `${String(spec?.associationTypeId)} is not a valid association type between ${type} and contacts`;
    }
    if (this.objects.contacts.get(String(association.to.id))?.archived !== false) {
      return `One or more associations are invalid: contact ${String(association.to.id)} does not exist`;
    }
    return undefined;
  }

  #findByEmail(email: string): StoredRecord | undefined {
    // An archived contact no longer holds its email: HubSpot lets a new contact take it.
    return [...this.objects.contacts.values()].find((record) => !record.archived && record.properties.email?.toLowerCase() === email.toLowerCase());
  }

  #store(type: ObjectType, properties: Record<string, string>, at: Date): StoredRecord {
    const id = String(this.#nextId++);
    const stamp = at.toISOString();
    const record: StoredRecord = {
      id,
      properties: { ...properties, hs_object_id: id, hs_createdate: stamp, createdate: stamp, hs_lastmodifieddate: stamp },
      createdAt: stamp,
      updatedAt: stamp,
      archived: false,
    };
    this.objects[type].set(id, record);
    return record;
  }

  #takeFault(request: string): Fault | undefined {
    const index = this.#faults.findIndex((fault) => fault.match === undefined || fault.match === request);
    const fault = this.#faults[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  #sendFault(response: ServerResponse, fault: Fault): void {
    if (fault.retryAfter !== undefined) response.setHeader("Retry-After", String(fault.retryAfter));
    if (fault.rawBody !== undefined) {
      response.writeHead(fault.status, { "Content-Type": fault.contentType ?? "text/html" });
      response.end(fault.rawBody);
      return;
    }
    const category = fault.category ?? defaultCategory(fault.status);
    const extra = fault.status === 429 ? { errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" } : {};
    sendError(response, fault.status, category, fault.message ?? defaultMessage(fault.status), extra);
  }
}

/** The object types the fake serves. */
export type ObjectType = "contacts" | "deals" | "tasks";

export interface StoredRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface StoredAssociation {
  fromType: ObjectType;
  fromId: string;
  toType: ObjectType;
  toId: string;
  typeId: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage["headers"];
}

export interface FaultSpec {
  status: number;
  message?: string;
  category?: string;
  /** Seconds, sent as the Retry-After header. */
  retryAfter?: number;
  /** A non-JSON body (e.g. a proxy's HTML error page). */
  rawBody?: string;
  contentType?: string;
  /** Only the request with exactly this "METHOD /path" fails, e.g. "POST /crm/v3/objects/deals". */
  match?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

interface SeedOptions {
  createdAt?: Date;
  associatedContactIds?: string[];
}

type Fault = FaultSpec & { remaining: number };

interface AssociationInput {
  to: { id: string | number };
  types?: Array<{ associationCategory?: string; associationTypeId?: number }>;
}

interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string | number;
  highValue?: string | number;
  values?: Array<string | number>;
}

/** HubSpot's search: `limit` is at most 200 (more is a 400), and only these operators exist. */
export const MAX_SEARCH_LIMIT = 200;
export const SEARCH_OPERATORS: readonly string[] = [
  "LT", "LTE", "GT", "GTE", "EQ", "NEQ", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
];

interface SearchRequest {
  filterGroups?: Array<{ filters: SearchFilter[] }>;
  properties?: string[];
  limit?: number;
  after?: string;
}

// HubSpot-defined default association types used by the connector.
const ASSOCIATION_TO_CONTACT: Partial<Record<ObjectType, number>> = { deals: 3, tasks: 204 };

/** A property's type in HubSpot's schema, and an enumeration's options. */
type PropertyType = { type: "string" } | { type: "number" } | { type: "datetime" } | { type: "date" } | { type: "bool" } | { type: "enumeration"; options: readonly string[] };

const STRING = { type: "string" } as const;
const enumeration = (...options: string[]): PropertyType => ({ type: "enumeration", options });

// A stand-in for each object's property schema, with HubSpot's default types and options; unknown
// names are rejected as HubSpot does, and values are checked against their property's type.
const PROPERTIES: Record<ObjectType, Readonly<Record<string, PropertyType>>> = {
  contacts: {
    email: STRING,
    firstname: STRING,
    lastname: STRING,
    company: STRING,
    phone: STRING,
    website: STRING,
    jobtitle: STRING,
    lifecyclestage: enumeration("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"),
    hs_email_optout: { type: "bool" },
    date_of_birth: { type: "date" },
  },
  deals: {
    dealname: STRING,
    amount: { type: "number" },
    dealstage: enumeration("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"),
    pipeline: enumeration("default"),
    closedate: { type: "datetime" },
    hubspot_owner_id: STRING,
  },
  tasks: {
    hs_task_subject: STRING,
    hs_task_body: STRING,
    hs_task_status: enumeration("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
    hs_task_priority: enumeration("NONE", "LOW", "MEDIUM", "HIGH"),
    hs_task_type: enumeration("TODO", "CALL", "EMAIL", "LINKED_IN", "MEETING", "LINKED_IN_CONNECT", "LINKED_IN_MESSAGE"),
    hs_timestamp: { type: "datetime" },
    hubspot_owner_id: STRING,
  },
};

/**
 * Why HubSpot refuses `value` for a property of type `type`, or undefined when it takes it. Values
 * travel as strings; "" clears a property whatever its type. Numbers are decimal; datetimes are
 * epoch milliseconds or ISO 8601; dates must fall on midnight UTC; bools are true/false; an
 * enumeration takes only its options (several joined with ";").
 */
function typeProblem(name: string, spec: PropertyType, raw: unknown): PropertyProblem | undefined {
  const value = typeof raw === "number" || typeof raw === "boolean" ? String(raw) : raw;
  if (typeof value !== "string") return { name, error: "INVALID_PROPERTY_VALUE", message: `${JSON.stringify(raw)} is not a valid value for ${name}` };
  if (value === "") return undefined;
  switch (spec.type) {
    case "string":
      return undefined;
    case "number":
      return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim()) ? undefined : { name, error: "INVALID_DOUBLE", message: `${value} was not a valid number.` };
    case "datetime":
      return /^\d+$/.test(value) || (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)))
        ? undefined
        : { name, error: "INVALID_LONG", message: `${value} was not a valid long.` };
    case "date": {
      const millis = /^\d+$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
      if (Number.isNaN(millis)) return { name, error: "INVALID_DATE", message: `${value} was not a valid date.` };
      return millis % 86_400_000 === 0 ? undefined : { name, error: "INVALID_DATE", message: `${value} is at ${new Date(millis).toISOString().slice(11, 23)} UTC, not midnight!` };
    }
    case "bool":
      return value === "true" || value === "false" ? undefined : { name, error: "INVALID_BOOLEAN", message: `${value} was not a valid boolean.` };
    case "enumeration": {
      const bad = value.split(";").find((option) => !spec.options.includes(option));
      return bad === undefined ? undefined : { name, error: "INVALID_OPTION", message: `${bad} was not one of the allowed options: [${spec.options.join(", ")}]` };
    }
  }
}

interface PropertyProblem {
  name: string;
  error: string;
  message: string;
}

function validateProperties(type: ObjectType, properties: Record<string, unknown>, { creating = true } = {}): PropertyProblem[] {
  const problems: PropertyProblem[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const spec = Object.hasOwn(PROPERTIES[type], name) ? PROPERTIES[type][name] : undefined;
    if (spec === undefined) {
      problems.push({ name, error: "PROPERTY_DOESNT_EXIST", message: `Property "${name}" does not exist` });
    } else if (name === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(value))) {
      problems.push({ name, error: "INVALID_EMAIL", message: `Email address ${String(value)} is invalid` });
    } else {
      const problem = typeProblem(name, spec, value);
      if (problem !== undefined) problems.push(problem);
    }
  }
  if (creating && type === "tasks" && properties.hs_timestamp === undefined) {
    problems.push({ name: "hs_timestamp", error: "REQUIRED_PROPERTY", message: "Property \"hs_timestamp\" is required" });
  }
  return problems;
}

function sendValidation(response: ServerResponse, problems: PropertyProblem[]): void {
  const details = problems.map((p) => ({ isValid: false, message: p.message, error: p.error, name: p.name, localizedErrorMessage: p.message }));
  sendError(response, 400, "VALIDATION_ERROR", `Property values were not valid: ${JSON.stringify(details)}`, {
    errors: problems.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } })),
  });
}

function present(record: StoredRecord, properties: readonly string[] = []): StoredRecord {
  const selected = properties.length === 0
    ? { ...record.properties }
    : Object.fromEntries(properties.map((name) => [name, record.properties[name] ?? null]).concat([["hs_object_id", record.id]]));
  return { id: record.id, properties: selected, createdAt: record.createdAt, updatedAt: record.updatedAt, archived: record.archived };
}

function sendError(response: ServerResponse, status: number, category: string, message: string, extra: Record<string, unknown> = {}): void {
  sendJson(response, status, { status: "error", message, correlationId: randomUUID(), category, ...extra });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json;charset=utf-8" });
  response.end(JSON.stringify(body));
}

function defaultCategory(status: number): string {
  if (status === 400) return "VALIDATION_ERROR";
  if (status === 401) return "INVALID_AUTHENTICATION";
  if (status === 404) return "OBJECT_NOT_FOUND";
  if (status === 409) return "CONFLICT";
  if (status === 429) return "RATE_LIMITS";
  return "INTERNAL_ERROR";
}

function defaultMessage(status: number): string {
  if (status === 429) return "You have reached your ten_secondly_rolling limit.";
  if (status >= 500) return "internal error";
  return `error ${status}`;
}

function isObjectType(type: string): type is ObjectType {
  return type === "contacts" || type === "deals" || type === "tasks";
}

function toMillis(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
