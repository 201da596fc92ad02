import { sha256Hex } from "../sha256.js";
import { jcs } from "../canonical-json.js";

/** The token of the trailer line that marks the commits `agent_pr_workflow` makes for one request. */
export const REQUEST_TRAILER_TOKEN = "Enact-Request";

/** What identifies one `agent_pr_workflow` request: who asked, and everything that shapes the branch and PR. */
export interface AgentPrRequest {
  readonly actorEmail: string;
  readonly repo: string;
  readonly branch: string;
  readonly base: string;
  readonly title: string;
  readonly body: string | undefined;
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: string }> | undefined;
}

/**
 * The trailer line (`Enact-Request: <sha256>`) that ends the message of the commit made for
 * `request`. The same request (same actor and payload, e.g. a retry under the same idempotency
 * key) gives the same line, so a retry can recognise the branch an earlier run of it created; any
 * other request, or a branch nobody made through enact, gives no match.
 *
 * @example
 * requestTrailer({ actorEmail: "agent@acme.dev", repo: "acme/app", branch: "agent/x", base: "main", title: "T", body: undefined, files: [] })
 * // "Enact-Request: 3f2a…"
 */
export function requestTrailer(request: AgentPrRequest): string {
  const identity = jcs({
    workflow: "agent_pr_workflow",
    actorEmail: request.actorEmail,
    repo: request.repo,
    branch: request.branch,
    base: request.base,
    title: request.title,
    body: request.body ?? null,
    files: (request.files ?? []).map(({ path, content }) => ({ path, content })),
  });
  return `${REQUEST_TRAILER_TOKEN}: ${sha256Hex(identity ?? "")}`;
}

/** True when `text` contains something that reads as a request trailer (an agent must not forge one). */
export function mentionsRequestTrailer(text: string): boolean {
  return text.toLowerCase().includes(`${REQUEST_TRAILER_TOKEN.toLowerCase()}:`);
}
