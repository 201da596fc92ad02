import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// The pending fault tests of the Postgres store (tests/stores/*.todo.ts), outside `npm test`
// until the store survives them (issue 22): `npx vitest run --config vitest.todo.config.ts`.
export default defineConfig({ ...base, test: { ...base.test, include: ["tests/**/*.todo.ts"] } });
