import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { SPARES_PER_DIRECTORY } from "../../src/temporary-file.js";

/** Where a directory's temporary files live (see src/temporary-file.ts). */
export const TEMPORARY_DIRECTORY = ".tmp";

/** The name a spare temporary file has. */
export const SPARE_FILE = /^[0-9a-f]{12}-[0-9a-z]+\.tmp$/;

/** Every file in `directory`'s temporary directory: spares and any temporary file a write left behind. */
export async function temporaryFiles(directory: string): Promise<string[]> {
  return readdir(join(directory, TEMPORARY_DIRECTORY)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
}

/**
 * The spares of `directory`, sorted, after checking that its temporary directory holds nothing
 * else: at most `SPARES_PER_DIRECTORY` empty files opened ahead of the next writes. Throws while a
 * written file's temporary name is still there (they are removed in batches, soon after the write),
 * so `expect.poll` waits for that.
 */
export async function spares(directory: string): Promise<string[]> {
  const temporary = (await temporaryFiles(directory)).sort();
  if (temporary.length > SPARES_PER_DIRECTORY || !temporary.every((name) => SPARE_FILE.test(name))) {
    throw new Error(`expected only spares in ${directory}/${TEMPORARY_DIRECTORY}, found: ${temporary.join(", ")}`);
  }
  for (const spare of temporary) {
    const { size } = await stat(join(directory, TEMPORARY_DIRECTORY, spare));
    if (size !== 0) throw new Error(`the temporary file ${spare} holds ${size} bytes: a written file's name, not a spare`);
  }
  return temporary;
}

/**
 * The names in `directory`, sorted, without its temporary directory, after checking that this
 * holds nothing but spares (see `spares`).
 */
export async function namesBesideSpares(directory: string): Promise<string[]> {
  await spares(directory);
  return (await readdir(directory)).filter((name) => name !== TEMPORARY_DIRECTORY).sort();
}
