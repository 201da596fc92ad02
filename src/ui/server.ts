import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { redactCredentials } from "../cli/connection-credentials.js";
import { DECISION_FILTERS, type IndexQuery } from "./receipt-index.js";
import { pageAsset } from "./page-assets.js";
import { UiRefusal, type UiService } from "./ui-service.js";

/** The only interface the page is served on: nothing outside this machine can reach it. */
export const UI_HOST = "127.0.0.1";
const COOKIE = "enact_ui";
/** The header a state change must carry the CSRF token in (a cross-site form cannot set headers). */
export const CSRF_HEADER = "x-enact-csrf";
const PAGE_SIZE_MAX = 200;
const BODY_MAX = 16 * 1024;

/**
 * No inline script or style, nothing from elsewhere, no framing, no plugins: receipts are written by
 * agents, and even a rendering bug must not turn their text into running code.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** A running page server. */
export interface UiServer {
  /** `http://127.0.0.1:PORT/?token=…`: what a person opens (once; the token then lives in a cookie). */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/**
 * Serves the page for `service` on 127.0.0.1 behind a random token (like Jupyter). The token in
 * the URL is exchanged for an HttpOnly, SameSite=Strict cookie; every request but that exchange
 * needs the cookie. State changes are POST only, need the CSRF token (given to the page by
 * `/api/session`) in a header, and an Origin of this very server. The Host header must name this
 * server too, so a DNS-rebinding site cannot talk to it under its own name.
 */
export async function startUiServer(service: UiService, options: { port?: number } = {}): Promise<UiServer> {
  const token = randomBytes(24).toString("hex");
  const csrf = randomBytes(24).toString("hex");
  let origin = "";
  let hosts: string[] = [];
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A driver's message may quote a connection string: mask its password before the page sees it.
      const message = redactCredentials(error instanceof Error ? error.message : String(error));
      if (!response.headersSent) send(response, error instanceof UiRefusal ? error.status : 500, { error: message });
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", origin);
    if (!hosts.includes(request.headers.host ?? "")) return send(response, 403, { error: "This page answers only on its own address (Host header)." });
    if (request.method === "GET" && url.pathname === "/" && url.searchParams.has("token")) {
      if (!same(url.searchParams.get("token") ?? "", token)) return send(response, 401, { error: "Wrong token: use the URL enact-sdk ui printed." });
      // The token leaves the address bar (and history) at once; from now on the cookie carries it.
      response.setHeader("set-cookie", `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      response.setHeader("location", "/");
      return send(response, 303, "");
    }
    if (!same(cookie(request, COOKIE) ?? "", token)) {
      return send(response, 401, { error: "Not signed in: open the URL with ?token=… that enact-sdk ui printed in its terminal." });
    }
    const route = `${request.method ?? ""} ${url.pathname}`;
    if (request.method === "POST") {
      if (request.headers.origin !== origin) return send(response, 403, { error: "Cross-origin request refused." });
      if (!same(String(request.headers[CSRF_HEADER] ?? ""), csrf)) return send(response, 403, { error: "Missing or wrong CSRF token." });
      if (!String(request.headers["content-type"] ?? "").startsWith("application/json")) return send(response, 415, { error: "Send JSON." });
      return post(route, url, await body(request), response);
    }
    if (request.method !== "GET" && request.method !== "HEAD") return send(response, 405, { error: "GET or POST only." });
    return get(url, response);
  }

  async function get(url: URL, response: ServerResponse): Promise<void> {
    const path = url.pathname;
    const asset = pageAsset(path === "/" ? "/index.html" : path);
    if (asset !== undefined) {
      response.setHeader("content-type", asset.type);
      return send(response, 200, asset.body);
    }
    if (path === "/api/session") {
      return send(response, 200, { csrf, store: service.label, ...service.capabilities, decisions: DECISION_FILTERS });
    }
    if (path === "/api/receipts") {
      const query = listQuery(url.searchParams);
      return send(response, 200, { ...(await service.list(query)), page: query.page, pageSize: query.pageSize });
    }
    if (path === "/api/stats") return send(response, 200, await service.stats(listQuery(url.searchParams)));
    if (path === "/api/facets") return send(response, 200, await service.facets());
    const match = /^\/api\/receipts\/([0-9a-f-]{36})$/.exec(path);
    if (match !== null) {
      const receipt = await service.receipt(match[1] as string);
      return receipt === undefined ? send(response, 404, { error: `No receipt for run ${match[1]}.` }) : send(response, 200, receipt);
    }
    if (path === "/api/approvals") return send(response, 200, { pending: await service.pendingApprovals() });
    if (path === "/api/halt") return send(response, 200, await service.haltStatus());
    if (path === "/api/verify") return send(response, 200, service.verifyJob);
    return send(response, 404, { error: "Not found." });
  }

  async function post(route: string, url: URL, input: Record<string, unknown>, response: ServerResponse): Promise<void> {
    const text = (field: string): string | undefined => (typeof input[field] === "string" ? (input[field] as string) : undefined);
    const decision = /^POST \/api\/approvals\/([0-9a-fA-F-]{36})\/(approve|deny)$/.exec(route);
    if (decision !== null) {
      const record = await service.decide(decision[1] as string, decision[2] === "approve" ? "approved" : "denied", text("note"));
      return send(response, 200, record);
    }
    if (route === "POST /api/halt") return send(response, 200, await service.setHalt(true, text("reason")));
    if (route === "POST /api/unhalt") return send(response, 200, await service.setHalt(false, undefined));
    if (route === "POST /api/verify") return send(response, 202, service.startVerify());
    return send(response, url.pathname.startsWith("/api/") ? 404 : 405, { error: "Not found." });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, UI_HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${UI_HOST}:${port}`;
  hosts = [`${UI_HOST}:${port}`, `localhost:${port}`];
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listQuery(params: URLSearchParams): IndexQuery {
  const value = (name: string): string | undefined => {
    const given = params.get(name);
    return given === null || given === "" ? undefined : given;
  };
  const time = (name: string): number | undefined => {
    const given = value(name);
    if (given === undefined) return undefined;
    const parsed = Date.parse(given);
    if (Number.isNaN(parsed)) throw new UiRefusal(400, `${name} must be a date or time, got ${JSON.stringify(given)}.`);
    return parsed;
  };
  const decision = value("decision");
  if (decision !== undefined && !(DECISION_FILTERS as readonly string[]).includes(decision)) throw new UiRefusal(400, `decision must be one of ${DECISION_FILTERS.join(", ")}.`);
  const page = Math.max(0, Math.floor(Number(value("page") ?? 0)) || 0);
  const pageSize = Math.min(PAGE_SIZE_MAX, Math.max(1, Math.floor(Number(value("pageSize") ?? 50)) || 50));
  const query: IndexQuery = { page, pageSize };
  const workflow = value("workflow");
  const actor = value("actor");
  const text = value("q");
  const since = time("since");
  const until = time("until");
  if (workflow !== undefined) query.workflow = workflow;
  if (actor !== undefined) query.actor = actor;
  if (decision !== undefined) query.decision = decision;
  if (since !== undefined) query.since = since;
  if (until !== undefined) query.until = until;
  if (text !== undefined) query.text = text;
  return query;
}

function send(response: ServerResponse, status: number, content: unknown): void {
  response.statusCode = status;
  response.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
  response.setHeader("x-content-type-options", "nosniff");
  response.setHeader("x-frame-options", "DENY");
  // The first URL carries the token: never let it leak in a Referer.
  response.setHeader("referrer-policy", "no-referrer");
  response.setHeader("cache-control", "no-store");
  response.setHeader("cross-origin-opener-policy", "same-origin");
  response.setHeader("cross-origin-resource-policy", "same-origin");
  if (typeof content === "string" || content instanceof Uint8Array) {
    response.end(content);
    return;
  }
  response.setHeader("content-type", "application/json; charset=utf-8");
  response.end(JSON.stringify(content));
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

/** Compares secrets in constant time. */
function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function body(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > BODY_MAX) throw new UiRefusal(413, "Request body too large.");
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new UiRefusal(400, "The body is not JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new UiRefusal(400, "The body must be a JSON object.");
  return parsed as Record<string, unknown>;
}
