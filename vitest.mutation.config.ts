import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

/*
 * The suite as Stryker runs it for every mutant (`npm run test:mutation`): the tests that pin the
 * security core, without the ones that start child processes, time processes or build the package.
 * Those test the same code through a process boundary and cost seconds each, per mutant; the
 * behaviour they pin is covered here in-process (and the full `npm test` still runs them).
 *
 * MUTATION_TESTS (comma-separated globs) narrows the suite to one module's own tests for a
 * module-by-module run (see docs/mutation.md): almost every test exercises `run()`, so against the
 * whole suite each mutant of a shared module re-imports dozens of files.
 */
const focused = process.env.MUTATION_TESTS?.split(",").filter((glob) => glob !== "") ?? [];

const merged = mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        "**/node_modules/**",
        "tests/cli/**",
        "tests/journal/**",
        "tests/examples/**",
        "tests/package.test.ts",
        "tests/writer-thread.test.ts",
        "tests/**/*processes.test.ts",
        "tests/stores/postgres-restart-faults.test.ts",
        "tests/connectors/hubspot-optional-peer.test.ts",
      ],
    },
  }),
);

// mergeConfig concatenates arrays: a narrowed suite replaces `include` instead.
export default focused.length === 0 ? merged : { ...merged, test: { ...merged.test, include: focused } };
