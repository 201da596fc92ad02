import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** Largest receipt or journal segment read: far beyond any real one, small enough to hold in memory. */
export const MAX_STORE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A file of the store that is not read: not a regular file (a FIFO, a device, a directory, a
 * socket), or larger than the cap. `code` says which, as an errno `code` would.
 */
export class UnreadableStoreFileError extends Error {
  override readonly name = "UnreadableStoreFileError";

  constructor(
    readonly code: "ENOTREG" | "ETOOBIG",
    message: string,
  ) {
    super(message);
  }
}

// Reused for every file that fits: reads are synchronous, so no two use it at once.
const SHARED = Buffer.allocUnsafe(64 * 1024);

// Non-blocking: opening a FIFO that has no writer would otherwise wait for one forever.
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * Reads a store file as UTF-8, refusing what could hang or exhaust a reader: a FIFO, `/dev/zero`
 * or another device (also through a symlink, which may otherwise be legitimate: only what it
 * points to is checked), and a file of more than `maxBytes`. Throws the errno error of open/read
 * (`ENOENT`, `EACCES`, …) or UnreadableStoreFileError. Synchronous, as the receipts of a store are
 * read: one open, fstat and read per file.
 */
export function readRegularFileSync(path: string, maxBytes = MAX_STORE_FILE_BYTES): string {
  const fd = openSync(path, FLAGS);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UnreadableStoreFileError("ENOTREG", "is not a regular file (a FIFO, device or directory): not read");
    if (stats.size > maxBytes) {
      throw new UnreadableStoreFileError("ETOOBIG", `is ${stats.size} bytes, over the ${maxBytes}-byte limit: not read`);
    }
    // Read what fstat promised, and no more: a file that grows meanwhile cannot make us read past
    // the cap. Receipts fit the shared buffer: no allocation per file.
    const size = stats.size;
    const buffer = size <= SHARED.length ? SHARED : Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const read = readSync(fd, buffer, filled, size - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return buffer.toString("utf8", 0, filled);
  } finally {
    closeSync(fd);
  }
}

/** What went wrong reading a store file, as a phrase after its path: "does not exist", "cannot be read (EACCES)", … */
export function readProblem(error: unknown): string {
  if (error instanceof UnreadableStoreFileError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? String(error)})`;
}
