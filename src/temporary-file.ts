import { randomBytes } from "node:crypto";
import { closeSync, mkdir, open, unlink, unlinkSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";

// The callback API, promisified: each call is one libuv threadpool request, without the
// FileHandle bookkeeping of node:fs/promises.
const openAsync = promisify(open);
const unlinkAsync = promisify(unlink);
const mkdirAsync = promisify(mkdir);

/**
 * Temporary files live in this subdirectory of the directory they are written for. Kept apart, the
 * temporary files' creation and removal do not contend with the links into the directory itself
 * (each takes the directory's lock): 10–20% more atomic writes per second with 64 in flight here.
 */
export const TEMPORARY_DIRECTORY = ".tmp";

/** A new, empty file open for writing, under a `.tmp/*.tmp` name that no reader treats as a receipt. */
export interface TemporaryFile {
  readonly path: string;
  readonly fd: number;
}

// Every temporary name this process may have on disk (reserved, being written, not yet removed),
// so that none outlives a process that exits.
const onDisk = new Set<string>();
let removesAtExit = false;

// Unique without drawing random bytes per file: a random tag per process (module instance, so per
// worker thread too) and a counter. Absolute, so that removing it at exit cannot hit another file
// if the working directory changed.
const PROCESS_TAG = randomBytes(6).toString("hex");
let created = 0;

/**
 * A new temporary name for `directory` (`<directory>/.tmp/<tag>-<n>.tmp`), counted as on disk
 * from now on, before it is created: a process that exits while its file is on its way must
 * remove that name too. Whoever removes the file, or fails to create it, calls
 * `forgetTemporaryName`.
 */
export function reserveTemporaryName(directory: string): string {
  created += 1;
  const path = resolve(directory, TEMPORARY_DIRECTORY, `${PROCESS_TAG}-${created.toString(36)}.tmp`);
  onDisk.add(path);
  removeAtExit();
  return path;
}

/** The temporary name is off the disk (removed, or never created): nothing to remove at exit. */
export function forgetTemporaryName(path: string): void {
  onDisk.delete(path);
}

/** Opens a new temporary file for `directory`, creating the directory and its `.tmp` if missing. */
export async function openTemporaryFile(directory: string): Promise<TemporaryFile> {
  const path = reserveTemporaryName(directory);
  try {
    const fd = await openAsync(path, "wx").catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
      await mkdirAsync(resolve(directory, TEMPORARY_DIRECTORY), { recursive: true });
      return openAsync(path, "wx");
    });
    return { path, fd };
  } catch (error) {
    forgetTemporaryName(path);
    throw error;
  }
}

/** Closes the temporary file's descriptor; its name stays. */
export function closeTemporaryFile(file: TemporaryFile): void {
  // Closing a local file does no I/O, and a threadpool request costs more than the close itself.
  closeSync(file.fd);
}

/** Removes the temporary name (whatever else the file is linked to stays). */
export async function removeTemporaryName(file: TemporaryFile): Promise<void> {
  await unlinkAsync(file.path).catch(() => undefined);
  forgetTemporaryName(file.path);
}

// 'exit' runs on a natural end and on process.exit(), synchronously: the last moment to remove
// temporary names. A receipt already linked to its final name keeps it. A process killed by a
// signal leaves its temporary names behind, and so may one that exits while a writer thread is
// creating one (the thread may create it after this ran).
function removeAtExit(): void {
  if (removesAtExit) return;
  removesAtExit = true;
  process.once("exit", () => {
    for (const path of onDisk) {
      try {
        unlinkSync(path);
      } catch {
        // Not there (never created, or its directory was removed): nothing to clean.
      }
    }
  });
}
