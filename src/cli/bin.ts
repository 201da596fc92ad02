#!/usr/bin/env node
import { createRequire } from "node:module";

// The `enact-sdk` command (package.json "bin"): it runs the CommonJS build of the CLI
// (src/cli/main.ts, built to dist/cli-main.cjs). Node loads CommonJS modules synchronously, where
// it reads and links ES modules asynchronously, one dynamic import after another: that made every
// `verify` about 30 ms slower.
createRequire(import.meta.url)("./cli-main.cjs");
