import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

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
 * The names in `directory`, sorted, without its temporary directory, after checking that this
 * holds nothing but one spare: an empty file opened ahead of the next write.
 */
export async function namesBesideSpare(directory: string): Promise<string[]> {
  const temporary = await temporaryFiles(directory);
  if (temporary.length > 1 || !temporary.every((name) => SPARE_FILE.test(name))) {
    throw new Error(`expected one spare in ${directory}/${TEMPORARY_DIRECTORY}, found: ${temporary.join(", ")}`);
  }
  for (const spare of temporary) {
    const { size } = await stat(join(directory, TEMPORARY_DIRECTORY, spare));
    if (size !== 0) throw new Error(`the spare ${spare} holds ${size} bytes`);
  }
  return (await readdir(directory)).filter((name) => name !== TEMPORARY_DIRECTORY).sort();
}
