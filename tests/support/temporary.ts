import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { TEMPORARY_DIRECTORY } from "../../src/temporary-file.js";

export { TEMPORARY_DIRECTORY };

/** Every file in `directory`'s temporary directory: what a write left behind. */
export async function temporaryFiles(directory: string): Promise<string[]> {
  return readdir(join(directory, TEMPORARY_DIRECTORY)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
}

/**
 * The names in `directory`, sorted, without its temporary directory, after checking that this is
 * empty: a write removes its temporary name before it resolves.
 */
export async function namesLeft(directory: string): Promise<string[]> {
  const temporary = await temporaryFiles(directory);
  if (temporary.length > 0) throw new Error(`temporary files left in ${directory}/${TEMPORARY_DIRECTORY}: ${temporary.join(", ")}`);
  return (await readdir(directory)).filter((name) => name !== TEMPORARY_DIRECTORY).sort();
}
