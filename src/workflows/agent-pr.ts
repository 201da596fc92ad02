import { z } from "zod/v4";
import { GitHubConnector } from "../connectors/github/connector.js";
import { gitPathProblem } from "../connectors/github/git-path.js";
import type { ActionResult } from "../models.js";
import { normalizeBranchName } from "../policies/git.js";
import { requireSystem } from "../system.js";
import { defineWorkflow } from "../workflow.js";
import { mentionsRequestTrailer, REQUEST_TRAILER_TOKEN, requestTrailer } from "./agent-pr-request.js";

const PROTECTED = new Set(["main", "master"]);

// A branch names the same ref as `base` when both normalise alike: case, spaces, `refs/heads/`.
function sameBranch(a: string, b: string): boolean {
  return normalizeBranchName(a) === normalizeBranchName(b);
}

/** Why the files of a payload cannot be committed (a path git refuses, a duplicate), or undefined. */
function filesProblem(files: ReadonlyArray<{ path: string }> | undefined): string | undefined {
  const seen = new Set<string>();
  for (const [index, { path }] of (files ?? []).entries()) {
    const problem = gitPathProblem(path);
    if (problem !== undefined) return `files[${index}].path ${JSON.stringify(path)} is refused: it ${problem}`;
    if (seen.has(path)) return `files[${index}].path ${JSON.stringify(path)} appears more than once`;
    seen.add(path);
  }
  return undefined;
}

/**
 * Payload of `agent_pr_workflow`. Extra keys are kept (policies may read them, e.g. `fileCount`).
 * A branch equal to `base`, or naming main/master, is an invalid payload: the run is blocked before
 * any policy or request, because this workflow never writes to the branch it proposes changes to.
 * So is a file path git refuses on some platform (`.git./config`, `GIT~1/config`, …) and a title
 * carrying an `Enact-Request:` trailer (it would let one request pass for another).
 */
export const AgentPrPayload = z
  .looseObject({
    /** `"owner/name"`. */
    repo: z.string(),
    /** The branch to create and commit to, e.g. `agent/fix-123`. */
    branch: z.string(),
    /** PR title (also the commit message). Default: `Agent PR: <branch>`. */
    title: z.string().optional(),
    /** PR body. */
    body: z.string().optional(),
    /** The branch to start from and to open the PR against. */
    base: z.string().default("main"),
    /** Files to write as one commit on `branch` before opening the PR. */
    files: z.array(z.object({ path: z.string(), content: z.string() })).optional(),
  })
  .refine((payload) => !sameBranch(payload.branch, payload.base), {
    message: "branch must differ from base: agent_pr_workflow never writes to the base branch",
    path: ["branch"],
  })
  .refine((payload) => !PROTECTED.has(normalizeBranchName(payload.branch)), {
    message: "branch must not be main or master: agent_pr_workflow never writes to them",
    path: ["branch"],
  })
  .superRefine((payload, ctx) => {
    const problem = filesProblem(payload.files);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, path: ["files"] });
  })
  .refine((payload) => payload.title === undefined || !mentionsRequestTrailer(payload.title), {
    message: `title must not contain '${REQUEST_TRAILER_TOKEN}:': agent_pr_workflow adds that trailer itself`,
    path: ["title"],
  });
export type AgentPrPayload = z.output<typeof AgentPrPayload>;

/**
 * `agent_pr_workflow`: create `branch` from `base` → write `files` to it as one commit (when given)
 * → open a pull request into `base`. Stops at the first failed step.
 *
 * It only ever commits to a branch it created for this request. The commit's message ends with an
 * `Enact-Request: <sha256 of actor and payload>` trailer; an existing branch is reused only when
 * its head commit carries this request's trailer (a retry of the same request after the commit
 * was made: every step then finds its work done, no duplicate branch, commit or PR). Any other
 * existing branch is refused with a failed `create_branch`, even one at the head of `base` such as
 * `develop`, and so is a branch an interrupted run left before its commit (fail closed: nothing
 * shows whose it is; roll that run back or delete the branch). Needs a `GitHubConnector` registered as `github`.
 *
 * @example
 * const enact = new EnactClient({ systems: { github }, policies: [noPushToMain, requireBranchPrefix()], workflows: [agentPrWorkflow], secret });
 * await enact.run({ workflow: "agent_pr_workflow", actorEmail: "agent@acme.dev",
 *   payload: { repo: "acme/app", branch: "agent/fix-123", title: "Fix 123", files: [{ path: "src/x.ts", content: "..." }] } });
 */
export const agentPrWorkflow = defineWorkflow(
  "agent_pr_workflow",
  async (ctx): Promise<ActionResult[]> => {
    const github = requireSystem(ctx, "github", GitHubConnector);
    const { repo, branch, base, files, body } = ctx.payload;
    // Checked again here in case the workflow is called without the client's payload validation.
    if (sameBranch(branch, base) || PROTECTED.has(normalizeBranchName(branch))) {
      throw new Error(`agent_pr_workflow refuses to write to '${branch}' (base '${base}')`);
    }
    const problem = filesProblem(files);
    if (problem !== undefined) throw new Error(`agent_pr_workflow refuses its files: ${problem}`);
    const title = ctx.payload.title ?? `Agent PR: ${branch}`;
    if (mentionsRequestTrailer(title)) throw new Error(`agent_pr_workflow refuses a title containing '${REQUEST_TRAILER_TOKEN}:'`);
    const trailer = requestTrailer({ actorEmail: ctx.actorEmail, repo, branch, base, title, body, files });
    const results: ActionResult[] = [];

    const created = await github.createBranch({ repo, branch, fromBranch: base, reuseOnlyWithTrailer: trailer });
    results.push(created);
    if (!created.success) return results;

    if (files !== undefined && files.length > 0) {
      const pushed = await github.pushCommit({ repo, branch, message: `${title}\n\n${trailer}`, files });
      results.push(pushed);
      if (!pushed.success) return results;
    }

    results.push(
      await github.createPr({
        repo,
        title,
        body: body ?? `Automated PR created by an AI agent (${ctx.actorEmail}) via Enact.`,
        head: branch,
        base,
      }),
    );
    return results;
  },
  { payload: AgentPrPayload },
);
