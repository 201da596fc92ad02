import type { ActionResult } from "../../models.js";
import { succeeded } from "../action-result.js";
import { type GitHubSession, missingBranch, SYSTEM } from "./session.js";
import { checkBranch, checkFiles, checkText, type CommitFile, parseRepo } from "./validate.js";

/** Input of `pushCommit`. */
export interface PushCommitInput {
  /** `"owner/name"`. */
  repo: string;
  /** The branch to commit on; it must exist. */
  branch: string;
  /** The commit message. */
  message: string;
  /** Files to create or overwrite (full content); other files of the branch stay as they are. */
  files: readonly CommitFile[];
}

export async function pushCommit(session: GitHubSession, input: PushCommitInput): Promise<ActionResult> {
  const { describe } = session;
  const target = parseRepo(input?.repo);
  const branch = checkBranch(input.branch);
  const message = checkText(input.message, "message");
  const files = checkFiles(input.files);
  await session.branches.assertWritable(session, target, branch, "push_commit");
  const where = `'${branch}' of ${target.fullName}`;
  const headSha = await describe(`Could not read branch ${where}`, () => session.branchSha(target, branch));
  if (headSha === undefined) return missingBranch("push_commit", target, branch);
  const { data: head } = await describe(`Could not read the head commit of ${where}`, () =>
    session.octokit.rest.git.getCommit({ ...session.scope(target), commit_sha: headSha }));
  // Sequential on purpose: GitHub's secondary rate limits punish concurrent content creation.
  const blobs: string[] = [];
  for (const file of files) {
    const { data: blob } = await describe(`Could not upload ${file.path}`, () =>
      session.octokit.rest.git.createBlob({ ...session.scope(target), content: file.content, encoding: "utf-8" }));
    blobs.push(blob.sha);
  }
  const { data: tree } = await describe(`Could not build the tree for ${where}`, () =>
    session.octokit.rest.git.createTree({
      ...session.scope(target),
      base_tree: head.tree.sha,
      tree: files.map((file, index) => ({
        path: file.path,
        mode: "100644" as const,
        type: "blob" as const,
        sha: blobs[index] ?? null,
      })),
    }));
  const paths = files.map((file) => file.path);
  if (tree.sha === head.tree.sha) {
    const output = {
      repo: target.fullName,
      branch,
      commitSha: headSha,
      previousSha: headSha,
      treeSha: tree.sha,
      url: head.html_url,
      files: paths,
    };
    return succeeded(SYSTEM, "push_commit", output, { alreadyDone: true });
  }
  const { data: commit } = await describe(`Could not create the commit on ${where}`, () =>
    session.octokit.rest.git.createCommit({ ...session.scope(target), message, tree: tree.sha, parents: [headSha] }));
  await describe(`Could not move ${where} to the new commit`, () =>
    session.octokit.rest.git.updateRef({
      ...session.scope(target),
      ref: `heads/${branch}`,
      sha: commit.sha,
      force: false,
    }));
  const output = {
    repo: target.fullName,
    branch,
    commitSha: commit.sha,
    previousSha: headSha,
    treeSha: tree.sha,
    url: commit.html_url,
    files: paths,
  };
  return succeeded(SYSTEM, "push_commit", output, {
    rollbackData: { repo: target.fullName, branch, previousSha: headSha, commitSha: commit.sha },
  });
}
