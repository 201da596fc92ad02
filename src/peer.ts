import { createRequire } from "node:module";
import { MissingPeerDependencyError } from "./errors.js";

const requireFromHere = createRequire(import.meta.url);

/**
 * Loads an optional vendor SDK (`pg`, `@octokit/rest`, `@hubspot/api-client`) so that importing a
 * connector without its SDK fails with the package to install, not a bare resolution error.
 */
export function loadPeer<T>(packageName: string, entryPoint: string, specifier: string = packageName): T {
  try {
    return requireFromHere(specifier) as T;
  } catch (error) {
    if (isModuleNotFound(error, specifier)) {
      throw new MissingPeerDependencyError(packageName, entryPoint, { cause: error });
    }
    throw error;
  }
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${packageName}'`);
}
