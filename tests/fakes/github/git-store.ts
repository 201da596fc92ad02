import { createHash } from "node:crypto";

/** One entry of a stored tree, as git keeps it. */
export interface TreeEntry {
  readonly name: string;
  readonly mode: "100644" | "100755" | "040000" | "160000" | "120000";
  readonly type: "blob" | "tree" | "commit";
  readonly sha: string;
}

/** A stored commit. */
export interface CommitObject {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly message: string;
  readonly date: string;
}

/** A file as it appears when a tree is flattened: its full path and blob. */
export interface FlatEntry {
  readonly mode: TreeEntry["mode"];
  readonly type: TreeEntry["type"];
  readonly sha: string;
}

const AUTHOR = { name: "Enact Bot", email: "bot@example.com" };

/**
 * Content-addressed git objects, hashed exactly as git hashes them, so shas behave like GitHub's:
 * writing the same content twice yields the same sha and an unchanged tree keeps its sha.
 */
export class GitStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, TreeEntry[]>();
  readonly commits = new Map<string, CommitObject>();

  writeBlob(content: Buffer): string {
    const sha = hashObject("blob", content);
    this.blobs.set(sha, content);
    return sha;
  }

  /** Builds nested trees from a flat path → entry map and returns the root tree sha. */
  writeTree(files: ReadonlyMap<string, FlatEntry>): string {
    const children = new Map<string, Map<string, FlatEntry>>();
    const entries: TreeEntry[] = [];
    for (const [path, entry] of files) {
      const slash = path.indexOf("/");
      if (slash === -1) {
        entries.push({ name: path, ...entry });
        continue;
      }
      const dir = path.slice(0, slash);
      const nested = children.get(dir) ?? new Map<string, FlatEntry>();
      nested.set(path.slice(slash + 1), entry);
      children.set(dir, nested);
    }
    for (const [dir, nested] of children) {
      entries.push({ name: dir, mode: "040000", type: "tree", sha: this.writeTree(nested) });
    }
    // git orders entries by name, comparing a directory as if its name ended in "/".
    entries.sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
    const body = Buffer.concat(
      entries.map((entry) =>
        Buffer.concat([
          Buffer.from(`${entry.mode === "040000" ? "40000" : entry.mode} ${entry.name}\0`),
          Buffer.from(entry.sha, "hex"),
        ]),
      ),
    );
    const sha = hashObject("tree", body);
    this.trees.set(sha, entries);
    return sha;
  }

  /** Every file under a tree, by full path. */
  flatten(treeSha: string, prefix = ""): Map<string, FlatEntry> {
    const files = new Map<string, FlatEntry>();
    for (const entry of this.trees.get(treeSha) ?? []) {
      const path = `${prefix}${entry.name}`;
      if (entry.type === "tree") {
        for (const [nestedPath, nested] of this.flatten(entry.sha, `${path}/`)) files.set(nestedPath, nested);
      } else {
        files.set(path, { mode: entry.mode, type: entry.type, sha: entry.sha });
      }
    }
    return files;
  }

  writeCommit(tree: string, parents: readonly string[], message: string, date: string): CommitObject {
    const seconds = Math.floor(Date.parse(date) / 1000);
    const signature = `${AUTHOR.name} <${AUTHOR.email}> ${seconds} +0000`;
    const text = [
      `tree ${tree}`,
      ...parents.map((parent) => `parent ${parent}`),
      `author ${signature}`,
      `committer ${signature}`,
      "",
      message,
    ].join("\n");
    const sha = hashObject("commit", Buffer.from(text));
    const commit: CommitObject = { sha, tree, parents: [...parents], message, date };
    this.commits.set(sha, commit);
    return commit;
  }

  /** True when `ancestor` is `sha` or reachable from it through parents. */
  isAncestor(ancestor: string, sha: string): boolean {
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length > 0) {
      const current = queue.pop() as string;
      if (current === ancestor) return true;
      if (seen.has(current)) continue;
      seen.add(current);
      queue.push(...(this.commits.get(current)?.parents ?? []));
    }
    return false;
  }

  get author(): { name: string; email: string } {
    return AUTHOR;
  }
}

function sortKey(entry: TreeEntry): Buffer {
  return Buffer.from(entry.type === "tree" ? `${entry.name}/` : entry.name);
}

function hashObject(type: string, body: Buffer): string {
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
    .digest("hex");
}
