import { defineConfig } from "tsup";

export const entryPoints = {
  index: "src/index.ts",
  "connectors/postgres": "src/connectors/postgres.ts",
  "connectors/github": "src/connectors/github.ts",
  "connectors/hubspot": "src/connectors/hubspot.ts",
  "policies/index": "src/policies/index.ts",
  "workflows/index": "src/workflows/index.ts",
  // Agent adapters (issue 24); each loads its framework as an optional peer.
  ai: "src/adapters/ai.ts",
  "openai-agents": "src/adapters/openai-agents.ts",
  mcp: "src/adapters/mcp.ts",
  // The store contract test (`enact-sdk/testing`) and the child process its cross-process race starts.
  "testing/index": "src/testing/index.ts",
  "testing/claim-racer": "src/testing/claim-racer.ts",
  // The `enact-sdk` command (package.json "bin"); its hashbang makes tsup mark it executable.
  // It runs the CLI's CommonJS build, dist/cli-main.cjs.
  cli: "src/cli/bin.ts",
  "cli-main": "src/cli/main.ts",
};

export default defineConfig({
  entry: entryPoints,
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  // Shared code (models, errors, receipts) lives in chunks so every entry point sees
  // the same classes: `instanceof PermissionError` must hold across entry points.
  splitting: true,
  // canonicalize ships as ESM only; bundling it keeps the CommonJS build working.
  noExternal: ["canonicalize"],
  // import.meta.url is used to resolve optional peer SDKs; tsup shims it for CJS.
  shims: true,
  // Class names are part of error messages (`EnactError.name`, `requireSystem`); keep them in both builds.
  keepNames: true,
  // `enact-sdk ui`'s page (issue 26): plain files, copied as they are to dist/ui/ (no build step).
  publicDir: "src/ui/public",
});
