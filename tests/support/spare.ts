import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** The name a spare temporary file has (see src/temporary-file.ts). */
export const SPARE_FILE = /^\.[0-9a-f]{12}-[0-9a-z]+\.tmp$/;

/** Every `*.tmp` file in `directory`: spares and any temporary file a write left behind. */
export async function temporaryFiles(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.endsWith(".tmp"));
}

/**
 * The names in `directory`, sorted, without its one spare temporary file (empty, opened ahead of
 * the next write). Fails if there is more than one spare, or if the spare holds data.
 */
export async function namesBesideSpare(directory: string): Promise<string[]> {
  const names = (await readdir(directory)).sort();
  const spares = names.filter((name) => SPARE_FILE.test(name));
  if (spares.length > 1) throw new Error(`more than one spare in ${directory}: ${spares.join(", ")}`);
  for (const spare of spares) {
    const { size } = await stat(join(directory, spare));
    if (size !== 0) throw new Error(`the spare ${spare} holds ${size} bytes`);
  }
  return names.filter((name) => !SPARE_FILE.test(name));
}
