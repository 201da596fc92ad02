import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests and examples import the package by its public name, exactly as users do.
    alias: [
      { find: /^enact-sdk$/, replacement: src("index.ts") },
      { find: /^enact-sdk\/connectors\/(postgres|github|hubspot)$/, replacement: src("connectors/$1.ts") },
      { find: /^enact-sdk\/(policies|workflows|testing)$/, replacement: src("$1/index.ts") },
      { find: /^enact-sdk\/(ai|openai-agents|mcp)$/, replacement: src("adapters/$1.ts") },
    ],
  },
  test: {
    include: ["tests/**/*.test.ts"],
    // One embedded Postgres for the whole run when DATABASE_URL is not set; nothing otherwise.
    globalSetup: ["tests/support/global-database.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
