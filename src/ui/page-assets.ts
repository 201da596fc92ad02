import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The page's files: a fixed list, so no request path ever reaches the file system. */
const ASSETS: Readonly<Record<string, string>> = {
  "/index.html": "text/html; charset=utf-8",
  "/app.js": "text/javascript; charset=utf-8",
  "/app.css": "text/css; charset=utf-8",
  "/favicon.svg": "image/svg+xml",
};

// Built: dist/ui/ next to the bundled chunk (tsup copies src/ui/public/ there). From source
// (tests, tsx): src/ui/public/ui/ next to this file.
const CANDIDATES = ["./ui/", "./public/ui/"];

let directory: string | undefined;
const cache = new Map<string, Buffer>();

/** The page file served at `path`, or undefined when it is not one. */
export function pageAsset(path: string): { type: string; body: Buffer } | undefined {
  const type = ASSETS[path];
  if (type === undefined) return undefined;
  let body = cache.get(path);
  if (body === undefined) {
    body = readFileSync(`${assetDirectory()}${path.slice(1)}`);
    cache.set(path, body);
  }
  return { type, body };
}

function assetDirectory(): string {
  directory ??= CANDIDATES.map((candidate) => fileURLToPath(new URL(candidate, import.meta.url))).find((path) => existsSync(`${path}index.html`));
  if (directory === undefined) throw new Error("The page's files (ui/index.html) are missing from the enact-sdk package: reinstall it.");
  return directory;
}
