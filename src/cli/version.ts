import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The installed package's version, from its package.json: the nearest one named enact-sdk above
 * this module (src/cli/ from source, dist/ when built). Read only for `--version`, so start-up
 * does not pay for it.
 */
export function packageVersion(from: string = import.meta.url): string {
  let directory = dirname(fileURLToPath(from));
  for (let depth = 0; depth < 5; depth += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "enact-sdk" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // No package.json here (or not ours): look further up.
    }
    directory = dirname(directory);
  }
  return "unknown";
}
