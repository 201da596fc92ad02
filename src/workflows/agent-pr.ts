import { z } from "zod";
import { GitHubConnector } from "../connectors/github/connector.js";
import type { ActionResult } from "../models.js";
import { normalizeBranchName } from "../policies/git.js";
import { requireSystem } from "../system.js";
import { defineWorkflow } from "../workflow.js";

const PROTECTED = new Set(["main", "master"]);

// A branch names the same ref as `base` when both normalise alike: case, spaces, `refs/heads/`.
function sameBranch(a: string, b: string): boolean {
  return normalizeBranchName(a) === normalizeBranchName(b);
}

/**
 * Payload of `agent_pr_workflow`. Extra keys are kept (policies may read them, e.g. `fileCount`).
 * A branch equal to `base`, or naming main/master, is an invalid payload: the run is blocked before
 * any policy or request, because this workflow never writes to the branch it proposes changes to.
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
  });
export type AgentPrPayload = z.output<typeof AgentPrPayload>;

/**
 * `agent_pr_workflow`: create `branch` from `base` → write `files` to it as one commit (when given)
 * → open a pull request into `base`. Stops at the first failed step; every step is check-before-act,
 * so a retried run picks up where the last one stopped instead of duplicating branches or PRs.
 * Needs a `GitHubConnector` registered as `github`.
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
    const title = ctx.payload.title ?? `Agent PR: ${branch}`;
    const results: ActionResult[] = [];

    const created = await github.createBranch({ repo, branch, fromBranch: base });
    results.push(created);
    if (!created.success) return results;

    if (files !== undefined && files.length > 0) {
      const pushed = await github.pushCommit({ repo, branch, message: title, files });
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
