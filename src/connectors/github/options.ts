import type { Octokit } from "@octokit/rest";
import { ConfigurationError } from "../../errors.js";

/** Options of `new GitHubConnector()`. */
export interface GitHubConnectorOptions {
  /** A GitHub token (classic or fine-grained PAT, app installation token). Default: `process.env.GITHUB_TOKEN`. */
  token?: string | undefined;
  /**
   * A ready Octokit (your own auth strategy, plugins, proxy). When given, `baseUrl` is ignored and
   * `token` is only used to scrub outputs. Its logging, retry and throttling are yours.
   */
  octokit?: Octokit | undefined;
  /** REST API root; for GitHub Enterprise Server `https://HOST/api/v3`. Default: `https://api.github.com`. */
  baseUrl?: string | undefined;
  /** Action names this connector may perform. Default: every GitHub action; `[]` allows none. */
  allowedActions?: readonly string[] | undefined;
  /** Abort any single GitHub request after this many milliseconds. Default: 30 000. */
  requestTimeoutMs?: number | undefined;
  /**
   * Branches no action may write to (`push_commit`, `create_branch`, `delete_branch`,
   * `restore_branch`, and `merge_pr` into them): names, or patterns where `*` matches anything,
   * e.g. `["main", "release/*"]`. Compared like `noPushToMain` (case, `refs/heads/`… folded).
   * The repository's default branch (looked up through the API) is always protected as well.
   * Default: `["main", "master"]`. A refused action throws `ProtectedBranchError` (a `PermissionError`).
   */
  protectedBranches?: readonly string[] | undefined;
  /**
   * Let `mergePr` merge into a protected base. Default false: a merge writes to the base as much as
   * a push does, so with `merge_pr` allowed the agent could otherwise reach `main` through a PR it
   * opened itself. Set it when GitHub's own branch protection (required reviews, checks) guards the base.
   */
  mergeIntoProtected?: boolean | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Octokit logger that says nothing: request details (and their headers) never reach a log. */
export const SILENT_LOG = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** The token from the options or `GITHUB_TOKEN`, trimmed; undefined when there is none. */
export function resolveToken(options: GitHubConnectorOptions): string | undefined {
  const token = (options.token ?? process.env.GITHUB_TOKEN)?.trim();
  if (token === undefined || token === "") return undefined;
  if (/\s/.test(token)) throw new ConfigurationError("The GitHub token contains whitespace; check how it was loaded.");
  return token;
}

/** The per-request timeout, checked. */
export function resolveTimeout(value: number | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`requestTimeoutMs must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * The API root, checked. The token travels in a header on every request, so it must only go over
 * TLS, except to the local machine (tests, a proxy on loopback).
 */
export function resolveBaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(
      `baseUrl ${JSON.stringify(value)} is not a URL; for GitHub Enterprise use https://HOST/api/v3`,
    );
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigurationError(
      `baseUrl must use https (plain http only for localhost), got ${url.protocol}//${url.host}`,
    );
  }
  if (url.username !== "" || url.password !== "")
    throw new ConfigurationError("baseUrl must not contain credentials; pass { token }");
  return value.replace(/\/+$/, "");
}
