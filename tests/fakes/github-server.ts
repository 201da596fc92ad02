import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type FlatEntry, GitStore } from "./github/git-store.js";

/**
 * A local, stateful fake of the GitHub REST endpoints enact-sdk uses: git refs, blobs, trees and
 * commits, pulls (list, get, create, merge), issues (list, create) and the repository itself. It
 * answers with GitHub's response shapes, status codes and error bodies, so the real `@octokit/rest`
 * can be pointed at it with `baseUrl`. Loopback only, port 0.
 */

/** A request the fake received, for assertions such as "no request was made". */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

interface Fault {
  readonly method: string;
  readonly path: string | RegExp;
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

interface PullState {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: "open" | "closed";
  merged: boolean;
  mergeable: boolean;
  mergeCommitSha: string | null;
  createdAt: string;
  mergedAt: string | null;
  closedAt?: string | null;
}

interface IssueState {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  createdAt: string;
  closedAt?: string | null;
  stateReason?: string | null;
}

interface RepoState {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch: string;
  readonly refs: Map<string, string>;
  readonly git: GitStore;
  readonly pulls: PullState[];
  readonly issues: IssueState[];
  nextNumber: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

const DOCS = "https://docs.github.com/rest";
const USER = { login: "enact-bot", id: 1001, node_id: "MDQ6VXNlcjEwMDE=", type: "User", site_admin: false };

/** The error body GitHub sends: `{ message, documentation_url, status }`. */
export function githubError(status: number, message: string, docs = DOCS): Record<string, unknown> {
  return { message, documentation_url: docs, status: String(status) };
}

/** GitHub's 422 validation body: `{ message: "Validation Failed", errors: [...] }`. */
export function validationFailed(errors: Array<Record<string, unknown>>, docs = DOCS): Record<string, unknown> {
  return { message: "Validation Failed", errors, documentation_url: docs, status: "422" };
}

/** GitHub's secondary rate limit body (sent with 403 or 429 and a `retry-after` header). */
export const SECONDARY_RATE_LIMIT = githubError(
  403,
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 1234:ABCD.",
  "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
);

export class FakeGitHubServer {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #token: string;
  readonly #repos = new Map<string, RepoState>();
  readonly #faults: Fault[] = [];
  readonly #hooks: Array<{ method: string; path: string; action: () => void }> = [];
  #clock = Date.parse("2025-01-15T12:00:00Z");

  private constructor(server: Server, token: string) {
    this.#server = server;
    this.#token = token;
  }

  /** Starts a fake on 127.0.0.1 with a random port. Requests must carry `token <token>` or `Bearer <token>`. */
  static async start(options: { token: string }): Promise<FakeGitHubServer> {
    let fake: FakeGitHubServer | undefined;
    const server = createServer((req, res) => void fake?.handle(req, res));
    fake = new FakeGitHubServer(server, options.token);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** The `baseUrl` to give Octokit. */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }

  /** Creates a repository whose default branch holds one commit with `files`. */
  createRepo(fullName: string, options: { defaultBranch?: string; files?: Record<string, string> } = {}): string {
    const [owner = "", name = ""] = fullName.split("/");
    const git = new GitStore();
    const defaultBranch = options.defaultBranch ?? "main";
    const repo: RepoState = {
      id: this.#repos.size + 1,
      owner,
      name,
      defaultBranch,
      refs: new Map(),
      git,
      pulls: [],
      issues: [],
      nextNumber: 1,
    };
    this.#repos.set(fullName.toLowerCase(), repo);
    const sha = this.#commitFiles(repo, undefined, options.files ?? { "README.md": "# hello\n" }, "Initial commit");
    repo.refs.set(`refs/heads/${defaultBranch}`, sha);
    return sha;
  }

  /** Adds a commit writing `files` on top of `branch` (creating the branch at the default head if missing). */
  commitOn(fullName: string, branch: string, files: Record<string, string>, message = "Change"): string {
    const repo = this.#repo(fullName);
    const parent = repo.refs.get(`refs/heads/${branch}`) ?? repo.refs.get(`refs/heads/${repo.defaultBranch}`);
    const sha = this.#commitFiles(repo, parent, files, message);
    repo.refs.set(`refs/heads/${branch}`, sha);
    return sha;
  }

  /** The sha a branch points at, or undefined when it does not exist. */
  branchSha(fullName: string, branch: string): string | undefined {
    return this.#repo(fullName).refs.get(`refs/heads/${branch}`);
  }

  /** The text of a file on a branch, or undefined. */
  readFile(fullName: string, branch: string, path: string): string | undefined {
    const repo = this.#repo(fullName);
    const head = repo.refs.get(`refs/heads/${branch}`);
    const commit = head === undefined ? undefined : repo.git.commits.get(head);
    const entry = commit === undefined ? undefined : repo.git.flatten(commit.tree).get(path);
    return entry === undefined ? undefined : repo.git.blobs.get(entry.sha)?.toString("utf8");
  }

  /** The commit object stored under `sha`. */
  commit(fullName: string, sha: string): { tree: string; parents: readonly string[]; message: string } | undefined {
    return this.#repo(fullName).git.commits.get(sha);
  }

  /** The pulls and issues of a repository, as stored. */
  pulls(fullName: string): readonly Readonly<PullState>[] {
    return this.#repo(fullName).pulls;
  }

  issues(fullName: string): readonly Readonly<IssueState>[] {
    return this.#repo(fullName).issues;
  }

  /**
   * What a repository looks like from outside: every branch and where it points, and the numbers
   * and titles of open pull requests and issues. Two equal snapshots mean nothing visible changed
   * (closed PRs and issues stay in GitHub's history; GitHub cannot delete them).
   */
  snapshot(fullName: string): { refs: Record<string, string>; openPulls: string[]; openIssues: string[] } {
    const repo = this.#repo(fullName);
    return {
      refs: Object.fromEntries([...repo.refs].sort(([a], [b]) => (a < b ? -1 : 1))),
      openPulls: repo.pulls.filter((pull) => pull.state === "open").map((pull) => `#${pull.number} ${pull.title}`),
      openIssues: repo.issues.filter((issue) => issue.state === "open").map((issue) => `#${issue.number} ${issue.title}`),
    };
  }

  /** Adds an issue directly, e.g. to fill several pages of the issue list. */
  addIssue(fullName: string, title: string, state: "open" | "closed" = "open"): number {
    const repo = this.#repo(fullName);
    const number = repo.nextNumber++;
    repo.issues.push({ number, title, body: null, state, createdAt: this.#now() });
    return number;
  }

  /** Points a branch at `sha` (creating it), as another writer would. */
  setBranch(fullName: string, branch: string, sha: string): void {
    this.#repo(fullName).refs.set(`refs/heads/${branch}`, sha);
  }

  /**
   * Runs `action` just before the next request matching `method` and `path` is handled normally,
   * e.g. to let another writer win a race between a connector's check and its write.
   */
  beforeNext(method: string, path: string, action: () => void): void {
    this.#hooks.push({ method: method.toUpperCase(), path, action });
  }

  /** Makes GitHub report a pull request as not mergeable (conflicts). */
  setMergeable(fullName: string, number: number, mergeable: boolean): void {
    const pull = this.#repo(fullName).pulls.find((candidate) => candidate.number === number);
    if (pull === undefined) throw new Error(`No pull #${number}`);
    pull.mergeable = mergeable;
  }

  /**
   * The next request matching `method` and `path` (exact decoded path, or a RegExp) is answered
   * with `status`, `body` and `headers` instead of being handled. One fault per call; faults fire in order.
   */
  failNext(
    method: string,
    path: string | RegExp,
    status: number,
    body: unknown = githubError(status, "Server Error"),
    headers: Record<string, string> = {},
  ): void {
    this.#faults.push({ method: method.toUpperCase(), path, status, body, headers });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const path = `/${segments.join("/")}`;
    const method = (req.method ?? "GET").toUpperCase();
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      send(res, 400, githubError(400, "Problems parsing JSON"));
      return;
    }
    this.requests.push({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body,
    });
    const faultIndex = this.#faults.findIndex(
      (fault) =>
        fault.method === method && (typeof fault.path === "string" ? fault.path === path : fault.path.test(path)),
    );
    if (faultIndex !== -1) {
      const [fault] = this.#faults.splice(faultIndex, 1) as [Fault];
      send(res, fault.status, fault.body, fault.headers);
      return;
    }
    const hookIndex = this.#hooks.findIndex((hook) => hook.method === method && hook.path === path);
    if (hookIndex !== -1) this.#hooks.splice(hookIndex, 1)[0]?.action();
    try {
      this.#authenticate(req.headers.authorization);
      const [answer, status, headers] = this.#route(method, segments, url, body);
      send(res, status, answer, headers);
    } catch (error) {
      if (error instanceof HttpError) send(res, error.status, error.body);
      else send(res, 500, githubError(500, `Fake failure: ${String(error)}`));
    }
  }

  #authenticate(header: string | undefined): void {
    if (header === undefined) throw new HttpError(401, githubError(401, "Requires authentication"));
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header);
    if (match?.[1] !== this.#token) throw new HttpError(401, githubError(401, "Bad credentials"));
  }

  #route(method: string, segments: string[], url: URL, body: unknown): [unknown, number, Record<string, string>?] {
    const [root, owner = "", name = "", area, ...rest] = segments;
    if (root !== "repos") throw notFound();
    const repo = this.#repos.get(`${owner}/${name}`.toLowerCase());
    if (repo === undefined) throw notFound();
    const input = (body ?? {}) as Record<string, unknown>;
    const route = `${method} ${area === "git" ? `git/${rest[0] ?? ""}` : (area ?? "")}`;
    switch (route) {
      case "GET ":
        return [this.#repoJson(repo), 200];
      case "GET git/ref":
        return [
          this.#refJson(repo, this.#existingRef(repo, rest.slice(1).join("/"), 404), `refs/${rest.slice(1).join("/")}`),
          200,
        ];
      case "POST git/refs":
        return [this.#createRef(repo, input), 201];
      case "PATCH git/refs":
        return [this.#updateRef(repo, rest.slice(1).join("/"), input), 200];
      case "DELETE git/refs":
        this.#existingRef(repo, rest.slice(1).join("/"), 422);
        repo.refs.delete(`refs/${rest.slice(1).join("/")}`);
        return [undefined, 204];
      case "POST git/blobs":
        return [this.#createBlob(repo, input), 201];
      case "POST git/trees":
        return [this.#createTree(repo, input), 201];
      case "GET git/commits":
        return [this.#commitJson(repo, this.#existingCommit(repo, rest[1] ?? "")), 200];
      case "POST git/commits":
        return [this.#createCommit(repo, input), 201];
      case "GET pulls":
        if (rest.length === 0) return this.#listPulls(repo, url);
        return [this.#pullJson(repo, this.#existingPull(repo, rest[0])), 200];
      case "POST pulls":
        return [this.#createPull(repo, input), 201];
      case "PATCH pulls":
        return [this.#updatePull(repo, this.#existingPull(repo, rest[0]), input), 200];
      case "PUT pulls":
        if (rest[1] !== "merge") throw notFound();
        return this.#merge(repo, this.#existingPull(repo, rest[0]), input);
      case "GET issues":
        if (rest.length === 0) return this.#listIssues(repo, url);
        return [this.#issueJson(repo, this.#existingIssueOrPull(repo, rest[0])), 200];
      case "PATCH issues":
        return [this.#updateIssue(repo, this.#existingIssueOrPull(repo, rest[0]), input), 200];
      case "POST issues":
        return [this.#createIssue(repo, input), 201];
      default:
        throw notFound();
    }
  }

  #repo(fullName: string): RepoState {
    const repo = this.#repos.get(fullName.toLowerCase());
    if (repo === undefined) throw new Error(`Fake has no repository ${fullName}`);
    return repo;
  }

  #now(): string {
    this.#clock += 1000;
    return new Date(this.#clock).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  #api(repo: RepoState, path = ""): string {
    return `${this.url}/repos/${repo.owner}/${repo.name}${path}`;
  }

  #html(repo: RepoState, path = ""): string {
    return `https://github.com/${repo.owner}/${repo.name}${path}`;
  }

  #commitFiles(repo: RepoState, parent: string | undefined, files: Record<string, string>, message: string): string {
    const base = parent === undefined ? undefined : repo.git.commits.get(parent);
    const flat = base === undefined ? new Map<string, FlatEntry>() : repo.git.flatten(base.tree);
    for (const [path, content] of Object.entries(files)) {
      flat.set(path, { mode: "100644", type: "blob", sha: repo.git.writeBlob(Buffer.from(content)) });
    }
    const tree = repo.git.writeTree(flat);
    return repo.git.writeCommit(tree, parent === undefined ? [] : [parent], message, this.#now()).sha;
  }

  #existingRef(repo: RepoState, ref: string, status: 404 | 422): string {
    const sha = repo.refs.get(`refs/${ref}`);
    if (sha !== undefined) return sha;
    if (status === 404) throw notFound("https://docs.github.com/rest/git/refs#get-a-reference");
    throw new HttpError(422, githubError(422, "Reference does not exist", "https://docs.github.com/rest/git/refs"));
  }

  #existingCommit(repo: RepoState, sha: string): string {
    if (!repo.git.commits.has(sha)) throw notFound("https://docs.github.com/rest/git/commits#get-a-commit-object");
    return sha;
  }

  #existingPull(repo: RepoState, number: string | undefined): PullState {
    const pull = repo.pulls.find((candidate) => String(candidate.number) === number);
    if (pull === undefined) throw notFound("https://docs.github.com/rest/pulls/pulls#get-a-pull-request");
    return pull;
  }

  // GitHub's "Update a pull request": only `state` (open/closed) is modelled; a merged PR cannot be reopened.
  #updatePull(repo: RepoState, pull: PullState, input: Record<string, unknown>): unknown {
    const docs = "https://docs.github.com/rest/pulls/pulls#update-a-pull-request";
    const { state } = input;
    if (state !== undefined && state !== "open" && state !== "closed") {
      throw new HttpError(422, validationFailed([{ resource: "PullRequest", field: "state", code: "invalid" }], docs));
    }
    if (state === "open" && pull.merged) throw new HttpError(422, githubError(422, "Cannot reopen a merged pull request", docs));
    if (state !== undefined && state !== pull.state) {
      pull.state = state;
      pull.closedAt = state === "closed" ? this.#now() : null;
    }
    return this.#pullJson(repo, pull);
  }

  #existingIssueOrPull(repo: RepoState, number: string | undefined): IssueState | PullState {
    const item =
      repo.issues.find((issue) => String(issue.number) === number) ??
      repo.pulls.find((pull) => String(pull.number) === number);
    if (item === undefined) throw notFound("https://docs.github.com/rest/issues/issues#get-an-issue");
    return item;
  }

  // GitHub's "Update an issue": `state` and `state_reason` are modelled.
  #updateIssue(repo: RepoState, item: IssueState | PullState, input: Record<string, unknown>): unknown {
    const docs = "https://docs.github.com/rest/issues/issues#update-an-issue";
    const { state, state_reason: reason } = input;
    if (state !== undefined && state !== "open" && state !== "closed") {
      throw new HttpError(422, validationFailed([{ resource: "Issue", field: "state", code: "invalid" }], docs));
    }
    if (reason !== undefined && reason !== null && !["completed", "not_planned", "reopened"].includes(String(reason))) {
      throw new HttpError(422, validationFailed([{ resource: "Issue", field: "state_reason", code: "invalid" }], docs));
    }
    if (state !== undefined && state !== item.state) {
      item.state = state;
      item.closedAt = state === "closed" ? this.#now() : null;
      if (!("head" in item)) item.stateReason = state === "closed" ? String(reason ?? "completed") : null;
    }
    return this.#issueJson(repo, item);
  }

  #createRef(repo: RepoState, input: Record<string, unknown>): unknown {
    const docs = "https://docs.github.com/rest/git/refs#create-a-reference";
    const { ref, sha } = input;
    if (typeof ref !== "string" || !/^refs\/[^/]+\/.+/.test(ref)) {
      throw new HttpError(422, githubError(422, `${String(ref)} is not a valid ref name.`, docs));
    }
    if (typeof sha !== "string" || !repo.git.commits.has(sha)) {
      throw new HttpError(422, githubError(422, "Object does not exist", docs));
    }
    if (repo.refs.has(ref)) throw new HttpError(422, githubError(422, "Reference already exists", docs));
    repo.refs.set(ref, sha);
    return this.#refJson(repo, sha, ref);
  }

  #updateRef(repo: RepoState, ref: string, input: Record<string, unknown>): unknown {
    const docs = "https://docs.github.com/rest/git/refs#update-a-reference";
    const current = this.#existingRef(repo, ref, 422);
    const { sha, force } = input;
    if (typeof sha !== "string" || !repo.git.commits.has(sha)) {
      throw new HttpError(422, githubError(422, "Object does not exist", docs));
    }
    if (force !== true && !repo.git.isAncestor(current, sha)) {
      throw new HttpError(422, githubError(422, "Update is not a fast forward", docs));
    }
    repo.refs.set(`refs/${ref}`, sha);
    return this.#refJson(repo, sha, `refs/${ref}`);
  }

  #createBlob(repo: RepoState, input: Record<string, unknown>): unknown {
    const { content, encoding = "utf-8" } = input;
    if (typeof content !== "string" || (encoding !== "utf-8" && encoding !== "base64")) {
      throw new HttpError(
        422,
        validationFailed(
          [{ resource: "Blob", field: "content", code: "missing_field" }],
          "https://docs.github.com/rest/git/blobs#create-a-blob",
        ),
      );
    }
    const sha = repo.git.writeBlob(Buffer.from(content, encoding === "base64" ? "base64" : "utf8"));
    return { url: this.#api(repo, `/git/blobs/${sha}`), sha };
  }

  #createTree(repo: RepoState, input: Record<string, unknown>): unknown {
    const docs = "https://docs.github.com/rest/git/trees#create-a-tree";
    const { base_tree: baseTree, tree } = input;
    if (baseTree !== undefined && (typeof baseTree !== "string" || !repo.git.trees.has(baseTree))) {
      throw new HttpError(422, githubError(422, "Invalid tree info", docs));
    }
    if (!Array.isArray(tree))
      throw new HttpError(422, validationFailed([{ resource: "Tree", field: "tree", code: "missing_field" }], docs));
    const flat = typeof baseTree === "string" ? repo.git.flatten(baseTree) : new Map<string, FlatEntry>();
    for (const item of tree as Array<Record<string, unknown>>) {
      const { path, sha, content, mode, type } = item;
      if (
        typeof path !== "string" ||
        path === "" ||
        path.startsWith("/") ||
        path.split("/").some((part) => part === "" || part === "." || part === ".." || part.toLowerCase() === ".git")
      ) {
        throw new HttpError(422, githubError(422, `tree.path contains a malformed path component`, docs));
      }
      const entry = checkTreeEntry(repo.git, { mode, type, sha, content }, docs);
      if (entry === "delete") flat.delete(path);
      else flat.set(path, entry);
    }
    const sha = repo.git.writeTree(flat);
    return {
      sha,
      url: this.#api(repo, `/git/trees/${sha}`),
      tree: (repo.git.trees.get(sha) ?? []).map((entry) => ({
        path: entry.name,
        mode: entry.mode,
        type: entry.type,
        sha: entry.sha,
        ...(entry.type === "blob" ? { size: repo.git.blobs.get(entry.sha)?.length ?? 0 } : {}),
        url: this.#api(repo, `/git/${entry.type === "tree" ? "trees" : "blobs"}/${entry.sha}`),
      })),
      truncated: false,
    };
  }

  #createCommit(repo: RepoState, input: Record<string, unknown>): unknown {
    const docs = "https://docs.github.com/rest/git/commits#create-a-commit";
    const { message, tree, parents = [] } = input;
    if (typeof message !== "string") {
      throw new HttpError(
        422,
        validationFailed([{ resource: "Commit", field: "message", code: "missing_field" }], docs),
      );
    }
    if (typeof tree !== "string" || !repo.git.trees.has(tree))
      throw new HttpError(422, githubError(422, "Tree SHA does not exist", docs));
    if (
      !Array.isArray(parents) ||
      parents.some((parent) => typeof parent !== "string" || !repo.git.commits.has(parent))
    ) {
      throw new HttpError(422, githubError(422, "Parent SHA does not exist or is not a commit object", docs));
    }
    const commit = repo.git.writeCommit(tree, parents as string[], message, this.#now());
    return this.#commitJson(repo, commit.sha);
  }

  // GitHub's "List pull requests": the pull-request-simple shape (no merged/mergeable/merge state,
  // which only "Get a pull request" computes), oldest first by default, paged like every list.
  // `head` is `user:ref`; it matches only branches pushed by that user (for this fake: the repo's owner).
  #listPulls(repo: RepoState, url: URL): [unknown, number, Record<string, string>] {
    const query = url.searchParams;
    const state = query.get("state") ?? "open";
    const head = query.get("head");
    const base = query.get("base");
    const all = repo.pulls
      .filter((pull) => state === "all" || pull.state === state)
      .filter((pull) => head === null || `${repo.owner}:${pull.head}`.toLowerCase() === head.toLowerCase())
      .filter((pull) => base === null || pull.base === base)
      .map((pull) => simplePull(this.#pullJson(repo, pull)));
    return this.#page(all, url);
  }

  /** One page of `all` as GitHub pages a list: `per_page` (default 30, at most 100), `page`, a Link header. */
  #page<T>(all: readonly T[], url: URL): [T[], number, Record<string, string>] {
    const perPage = Math.min(Math.max(Number(url.searchParams.get("per_page") ?? 30) || 30, 1), 100);
    const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
    const items = all.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    const link = (to: number, rel: string): string => {
      const next = new URL(url.toString().replace("http://127.0.0.1", this.url));
      next.searchParams.set("page", String(to));
      next.searchParams.set("per_page", String(perPage));
      return `<${next.toString()}>; rel="${rel}"`;
    };
    const last = Math.max(Math.ceil(all.length / perPage), 1);
    const links: string[] = [];
    if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
    if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
    if (links.length > 0) headers.link = links.join(", ");
    return [items, 200, headers];
  }

  #createPull(repo: RepoState, input: Record<string, unknown>): unknown {
    const docs = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request";
    const { title, head, base, body } = input;
    const missing = (["title", "head", "base"] as const).filter((field) => typeof input[field] !== "string");
    if (missing.length > 0) {
      throw new HttpError(
        422,
        validationFailed(
          missing.map((field) => ({ resource: "PullRequest", field, code: "missing_field" })),
          docs,
        ),
      );
    }
    const headRef = String(head).includes(":") ? (String(head).split(":")[1] ?? "") : String(head);
    const headSha = repo.refs.get(`refs/heads/${headRef}`);
    const baseSha = repo.refs.get(`refs/heads/${String(base)}`);
    if (headSha === undefined)
      throw new HttpError(422, validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }], docs));
    if (baseSha === undefined)
      throw new HttpError(422, validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }], docs));
    if (repo.pulls.some((pull) => pull.state === "open" && pull.head === headRef && pull.base === base)) {
      throw new HttpError(
        422,
        validationFailed(
          [
            {
              resource: "PullRequest",
              code: "custom",
              message: `A pull request already exists for ${repo.owner}:${headRef}.`,
            },
          ],
          docs,
        ),
      );
    }
    if (repo.git.isAncestor(headSha, baseSha)) {
      throw new HttpError(
        422,
        validationFailed(
          [{ resource: "PullRequest", code: "custom", message: `No commits between ${String(base)} and ${headRef}` }],
          docs,
        ),
      );
    }
    const pull: PullState = {
      number: repo.nextNumber++,
      title: String(title),
      body: typeof body === "string" ? body : null,
      head: headRef,
      base: String(base),
      state: "open",
      merged: false,
      mergeable: true,
      mergeCommitSha: null,
      createdAt: this.#now(),
      mergedAt: null,
    };
    repo.pulls.push(pull);
    return this.#pullJson(repo, pull);
  }

  #merge(repo: RepoState, pull: PullState, input: Record<string, unknown>): [unknown, number] {
    const docs = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request";
    const headSha = repo.refs.get(`refs/heads/${pull.head}`);
    const baseSha = repo.refs.get(`refs/heads/${pull.base}`);
    if (pull.state !== "open" || !pull.mergeable || headSha === undefined || baseSha === undefined) {
      throw new HttpError(405, githubError(405, "Pull Request is not mergeable", docs));
    }
    if (typeof input.sha === "string" && input.sha !== headSha) {
      throw new HttpError(409, githubError(409, "Head branch was modified. Review and try the merge again.", docs));
    }
    const headCommit = repo.git.commits.get(headSha);
    const merge = repo.git.writeCommit(
      headCommit?.tree ?? "",
      [baseSha, headSha],
      `Merge pull request #${pull.number}`,
      this.#now(),
    );
    repo.refs.set(`refs/heads/${pull.base}`, merge.sha);
    Object.assign(pull, { state: "closed", merged: true, mergeCommitSha: merge.sha, mergedAt: merge.date });
    return [{ sha: merge.sha, merged: true, message: "Pull Request successfully merged" }, 200];
  }

  #listIssues(repo: RepoState, url: URL): [unknown, number, Record<string, string>] {
    const state = url.searchParams.get("state") ?? "open";
    // GitHub's issue list includes pull requests (marked with a `pull_request` key), newest first.
    const all = [
      ...repo.issues.map((issue) => this.#issueJson(repo, issue)),
      ...repo.pulls.map((pull) => this.#issueJson(repo, pull)),
    ]
      .filter((issue) => state === "all" || issue.state === state)
      .sort((a, b) => b.number - a.number);
    return this.#page(all, url);
  }

  #createIssue(repo: RepoState, input: Record<string, unknown>): unknown {
    if (typeof input.title !== "string" || input.title === "") {
      throw new HttpError(
        422,
        validationFailed(
          [{ resource: "Issue", field: "title", code: "missing_field" }],
          "https://docs.github.com/rest/issues/issues#create-an-issue",
        ),
      );
    }
    const issue: IssueState = {
      number: repo.nextNumber++,
      title: input.title,
      body: typeof input.body === "string" ? input.body : null,
      state: "open",
      createdAt: this.#now(),
    };
    repo.issues.push(issue);
    return this.#issueJson(repo, issue);
  }

  #repoJson(repo: RepoState): unknown {
    return {
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      private: true,
      owner: { ...USER, login: repo.owner },
      html_url: this.#html(repo),
      url: this.#api(repo),
      default_branch: repo.defaultBranch,
    };
  }

  #refJson(repo: RepoState, sha: string, ref?: string): unknown {
    const name = ref ?? [...repo.refs].find(([, value]) => value === sha)?.[0] ?? "";
    return {
      ref: name,
      node_id: `REF_${Buffer.from(name).toString("base64")}`,
      url: this.#api(repo, `/git/${name}`),
      object: { type: "commit", sha, url: this.#api(repo, `/git/commits/${sha}`) },
    };
  }

  #commitJson(repo: RepoState, sha: string): unknown {
    const commit = repo.git.commits.get(sha);
    if (commit === undefined) throw notFound();
    const person = { ...repo.git.author, date: commit.date };
    return {
      sha,
      node_id: `C_${sha.slice(0, 12)}`,
      url: this.#api(repo, `/git/commits/${sha}`),
      html_url: this.#html(repo, `/commit/${sha}`),
      author: person,
      committer: person,
      message: commit.message,
      tree: { sha: commit.tree, url: this.#api(repo, `/git/trees/${commit.tree}`) },
      parents: commit.parents.map((parent) => ({
        sha: parent,
        url: this.#api(repo, `/git/commits/${parent}`),
        html_url: this.#html(repo, `/commit/${parent}`),
      })),
      verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
    };
  }

  #pullJson(repo: RepoState, pull: PullState): Record<string, unknown> {
    const side = (ref: string): unknown => ({
      label: `${repo.owner}:${ref}`,
      ref,
      sha: repo.refs.get(`refs/heads/${ref}`) ?? null,
      user: { ...USER, login: repo.owner },
      repo: this.#repoJson(repo),
    });
    return {
      url: this.#api(repo, `/pulls/${pull.number}`),
      id: 5000 + pull.number,
      node_id: `PR_${pull.number}`,
      html_url: this.#html(repo, `/pull/${pull.number}`),
      diff_url: this.#html(repo, `/pull/${pull.number}.diff`),
      patch_url: this.#html(repo, `/pull/${pull.number}.patch`),
      issue_url: this.#api(repo, `/issues/${pull.number}`),
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      user: USER,
      body: pull.body,
      labels: [],
      created_at: pull.createdAt,
      updated_at: pull.mergedAt ?? pull.createdAt,
      closed_at: pull.mergedAt ?? pull.closedAt ?? null,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      head: side(pull.head),
      base: side(pull.base),
      draft: false,
      merged: pull.merged,
      mergeable: pull.state === "open" ? pull.mergeable : null,
      mergeable_state: pull.mergeable ? "clean" : "dirty",
      author_association: "OWNER",
    };
  }

  #issueJson(
    repo: RepoState,
    item: IssueState | PullState,
  ): { number: number; state: string } & Record<string, unknown> {
    const isPull = "head" in item;
    return {
      url: this.#api(repo, `/issues/${item.number}`),
      repository_url: this.#api(repo),
      html_url: this.#html(repo, `/${isPull ? "pull" : "issues"}/${item.number}`),
      id: 9000 + item.number,
      node_id: `I_${item.number}`,
      number: item.number,
      title: item.title,
      user: USER,
      labels: [],
      state: item.state,
      locked: false,
      assignee: null,
      assignees: [],
      comments: 0,
      created_at: item.createdAt,
      updated_at: item.createdAt,
      closed_at: item.closedAt ?? ("mergedAt" in item ? item.mergedAt : null),
      ...("head" in item ? {} : { state_reason: item.stateReason ?? null }),
      body: item.body,
      author_association: "OWNER",
      ...(isPull
        ? {
            pull_request: {
              url: this.#api(repo, `/pulls/${item.number}`),
              html_url: this.#html(repo, `/pull/${item.number}`),
              diff_url: this.#html(repo, `/pull/${item.number}.diff`),
              patch_url: this.#html(repo, `/pull/${item.number}.patch`),
              merged_at: item.mergedAt,
            },
          }
        : {}),
    };
  }
}

/** The fields of a full pull request that the list endpoint's pull-request-simple shape lacks. */
const FULL_PULL_ONLY = [
  "merged",
  "mergeable",
  "rebaseable",
  "mergeable_state",
  "merged_by",
  "comments",
  "review_comments",
  "maintainer_can_modify",
  "commits",
  "additions",
  "deletions",
  "changed_files",
] as const;

function simplePull(full: Record<string, unknown>): Record<string, unknown> {
  const simple = { ...full };
  for (const field of FULL_PULL_ONLY) delete simple[field];
  return simple;
}

/** Which object type each tree entry mode must name (GitHub's "Create a tree"). */
const TYPE_OF_MODE: Readonly<Record<string, FlatEntry["type"]>> = {
  "100644": "blob",
  "100755": "blob",
  "120000": "blob",
  "040000": "tree",
  "160000": "commit",
};

/**
 * One entry of a "Create a tree" request, checked as GitHub checks it: `mode` is one of the five
 * git modes, `type` is the one that mode names, exactly one of `sha` and `content` is given
 * (`sha: null` deletes the path), `content` only for blobs, and `sha` names an existing object of
 * that type. Anything else is a 422 with GitHub's message.
 */
function checkTreeEntry(
  git: GitStore,
  entry: { mode: unknown; type: unknown; sha: unknown; content: unknown },
  docs: string,
): FlatEntry | "delete" {
  const invalid = (message: string): HttpError => new HttpError(422, githubError(422, message, docs));
  const expected = typeof entry.mode === "string" ? TYPE_OF_MODE[entry.mode] : undefined;
  if (expected === undefined) {
    throw new HttpError(422, validationFailed([{ resource: "Tree", field: "mode", code: "invalid", value: entry.mode }], docs));
  }
  if (entry.type !== "blob" && entry.type !== "tree" && entry.type !== "commit") {
    throw new HttpError(422, validationFailed([{ resource: "Tree", field: "type", code: "invalid", value: entry.type }], docs));
  }
  const hasSha = entry.sha !== undefined;
  const hasContent = entry.content !== undefined;
  if (hasSha === hasContent) {
    throw invalid("Must supply either tree.sha or tree.content. Request will be rejected if both are present.");
  }
  if (entry.sha === null) return "delete";
  if (entry.type !== expected) throw invalid(`tree.type ${String(entry.type)} does not match tree.mode ${String(entry.mode)}`);
  if (hasContent) {
    if (typeof entry.content !== "string" || entry.type !== "blob") throw invalid("tree.content must be a string, for a blob");
    return { mode: entry.mode as FlatEntry["mode"], type: "blob", sha: git.writeBlob(Buffer.from(entry.content)) };
  }
  const sha = entry.sha;
  const exists =
    typeof sha === "string" &&
    (entry.type === "blob" ? git.blobs.has(sha) : entry.type === "tree" ? git.trees.has(sha) : /^[0-9a-f]{40}$/.test(sha));
  if (!exists) throw invalid(`tree.sha ${String(sha)} is not a valid ${entry.type}`);
  return { mode: entry.mode as FlatEntry["mode"], type: entry.type, sha: sha as string };
}

function notFound(docs = DOCS): HttpError {
  return new HttpError(404, githubError(404, "Not Found", docs));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = status === 204 || body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(text === "" ? {} : { "content-type": "application/json; charset=utf-8" }),
    "x-github-request-id": "FAKE:0001",
    ...headers,
  });
  res.end(text);
}
