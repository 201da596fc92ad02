import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Scratch directories of the benchmark, removed only once every section has been measured.
 *
 * Deleting files mid-run would skew what follows: ext4 will not hand out an inode freed in the
 * last few minutes while its inode table block is still dirty, and it finds that out by checking
 * each freed inode in turn, so after a mass delete every file creation scans past thousands of
 * them (measured here: file creation fell from ~30,000 to ~1,000 per second, all of it kernel
 * CPU in `recently_deleted`). A receipt directory only ever grows, so the benchmark keeps its
 * files until the end.
 */
const directories: string[] = [];

/** A new empty directory under the OS temp directory, removed by `removeScratch()`. */
export async function scratchDirectory(prefix: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  directories.push(directory);
  return directory;
}

/** Removes every scratch directory made so far. */
export async function removeScratch(): Promise<void> {
  const removing = directories.splice(0);
  await Promise.all(removing.map((directory) => rm(directory, { recursive: true, force: true })));
}
