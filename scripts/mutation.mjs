#!/usr/bin/env node
/*
 * Mutation testing of the security core, module by module (`npm run test:mutation`).
 *
 *   npm run test:mutation                        # every module, then the summary
 *   npm run test:mutation -- --only=policy,approvals
 *   npm run test:mutation -- --summary           # the summary of the recorded runs only
 *
 * Each module is mutated against the tests that pin it (MUTATION_TESTS narrows the suite, see
 * vitest.mutation.config.ts): against the whole suite, every mutant of a module that `run()` goes
 * through re-imports dozens of test files, and the core takes many hours on 2 cores. A module's
 * score against its own tests is a lower bound of its score against the whole suite.
 *
 * Each module keeps its report in `reports/incremental/<name>.json` (committed): a later run
 * re-tests only the mutants whose code or covering tests changed, and the summary is read from
 * those reports. Mutants shown to be equivalent (no test can tell them from the original) are
 * listed in EQUIVALENT with the reason; the summary gives the score with and without them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** The security core, as Stryker runs it: what is mutated, and the tests run against it. */
export const MODULES = [
  { name: "signing", mutate: ["src/receipt.ts", "src/hex-hmac.ts"], tests: ["tests/receipt.test.ts", "tests/hex-hmac.test.ts", "tests/fixtures.test.ts", "tests/receipt-signer-edges.test.ts"] },
  { name: "canonical-json", mutate: ["src/canonical-json.ts"], tests: ["tests/canonical-json.test.ts", "tests/canonical-json-key-orders.test.ts", "tests/jcs.test.ts"] },
  {
    name: "policy",
    mutate: ["src/policy.ts", "src/deadline.ts"],
    tests: [
      "tests/policy.test.ts",
      "tests/policy-timeout.test.ts",
      "tests/deadline.test.ts",
      "tests/client-run-order.test.ts",
      "tests/governance/policy-governance.test.ts",
      "tests/policies/approval.test.ts",
    ],
  },
  { name: "policies", mutate: ["src/policies/**/*.ts", "!src/policies/approval.ts"], tests: ["tests/policies/*.test.ts"] },
  {
    name: "approvals",
    mutate: ["src/approvals/**/*.ts", "src/policies/approval.ts"],
    tests: [
      "tests/approvals/memory-store.test.ts",
      "tests/approvals/file-store.test.ts",
      "tests/approvals/desk.test.ts",
      "tests/approvals/kill-switch.test.ts",
      "tests/approvals/thermal-cutout.test.ts",
      "tests/approvals/records.test.ts",
      "tests/approvals/approval-policies.test.ts",
      "tests/policies/approval.test.ts",
    ],
  },
  { name: "idempotency", mutate: ["src/idempotency.ts"], tests: ["tests/idempotency/memory-store.test.ts", "tests/idempotency/file-store.test.ts", "tests/idempotency/tampered-replay.test.ts", "tests/idempotency/keyed-runs.test.ts"] },
  { name: "file-claims", mutate: ["src/stores/file-claims.ts"], tests: ["tests/idempotency/file-store.test.ts", "tests/stores/file-store.test.ts", "tests/stores/file-claims.test.ts"] },
  { name: "memory-store", mutate: ["src/stores/memory-store.ts"], tests: ["tests/stores/store-contract.test.ts", "tests/idempotency/memory-store.test.ts", "tests/approvals/memory-store.test.ts", "tests/stores/memory-store.test.ts"] },
  {
    name: "stores",
    mutate: ["src/stores/**/*.ts", "!src/stores/file-claims.ts", "!src/stores/memory-store.ts"],
    tests: ["tests/stores/*.test.ts", "tests/idempotency/file-store.test.ts", "tests/idempotency/postgres-store*.test.ts", "tests/approvals/file-store.test.ts", "tests/approvals/postgres-store.test.ts"],
  },
  {
    name: "client",
    mutate: ["src/client.ts"],
    tests: [
      "tests/client*.test.ts",
      "tests/payload-snapshot.test.ts",
      "tests/policy-results-json-safe.test.ts",
      "tests/receipt-write-path.test.ts",
      // The run path's keyed runs, approval gates, kill switch and cutouts, signers and telemetry.
      "tests/idempotency/keyed-runs.test.ts",
      "tests/idempotency/tampered-replay.test.ts",
      "tests/approvals/kill-switch.test.ts",
      "tests/approvals/thermal-cutout.test.ts",
      "tests/approvals/desk.test.ts",
      "tests/approvals/approval-policies.test.ts",
      "tests/approvals/memory-store.test.ts",
      "tests/idempotency/memory-store.test.ts",
      "tests/governance/policy-governance.test.ts",
      "tests/governance/ed25519-receipts.test.ts",
      "tests/governance/telemetry.test.ts",
    ],
  },
  {
    name: "rollback",
    mutate: ["src/rollback/**/*.ts", "src/connectors/github/undo.ts", "src/connectors/github/pulls.ts", "src/connectors/hubspot/undo.ts", "src/connectors/postgres/undo.ts"],
    tests: ["tests/rollback/*.test.ts"],
  },
];

/**
 * Mutants no test can tell from the original, each with why (docs/mutation.md has the tables).
 * Matched by file, mutator, the code replaced and its replacement, so they survive line moves;
 * `onLine`, where the code replaced is too common to name one place (`""`), is text its line holds.
 */
export const EQUIVALENT = [
  { file: "src/policy.ts", mutator: "ArrayDeclaration", original: "new Array(policies.length)", replacement: "new Array()", why: "the array grows as results are stored by index" },
  { file: "src/stores/file-claims.ts", mutator: "ObjectLiteral", original: '{ flag: "wx" }', replacement: "{}", why: "the temporary name carries 48 random bits: wx only guards two updates of one key picking the same name" },
  { file: "src/stores/file-claims.ts", mutator: "StringLiteral", original: '"wx"', replacement: '""', why: "as above" },
  { file: "src/receipt.ts", mutator: "ConditionalExpression", original: "this.#redactor.appearsIn(text)", replacement: "true", why: "redacting a receipt that does not hold the secret gives an equal receipt, only slower" },
  { file: "src/receipt.ts", mutator: "LogicalOperator", original: "!redacted && this.#redactor.appearsIn(unsigned)", replacement: "!redacted || this.#redactor.appearsIn(unsigned)", why: "redacts every receipt once more on the first pass; one without the secret comes out equal, only slower" },
  { file: "src/receipt.ts", mutator: "ConditionalExpression", original: 'typeof signature !== "string" || signature.length !== 64', replacement: "false", why: "a fast path: HexHmac.matches itself refuses anything but 64 lowercase hex digits" },
  { file: "src/receipt.ts", mutator: "ConditionalExpression", original: "signature.length !== 64", replacement: "false", why: "as above" },
  { file: "src/receipt.ts", mutator: "ConditionalExpression", original: "now !== isoMillisecond", replacement: "true", why: "formats the time again within the same millisecond: the same text" },
  { file: "src/receipt.ts", mutator: "StringLiteral", original: '"Only JSON values have a canonical form"', replacement: '""', why: "unreachable in canonicalText: jcsWithout of an object returns text or throws the reference implementation's own error (the same message in canonicalJson is reached, and its mutant killed)" },
  { file: "src/idempotency.ts", mutator: "ConditionalExpression", original: "this.#inFlight.get(request.key) === entry", replacement: "true", why: "no other run can replace this entry while it is in flight (a second call for the key replays it instead), so the entry found is always this one" },
  // Approvals.
  { file: "src/approvals/records.ts", mutator: "StringLiteral", original: '""', replacement: '"Stryker was here!"', why: "the placeholder signature is left out of the signed text by jcsWithout whatever it holds" },
  { file: "src/approvals/records.ts", mutator: "ConditionalExpression", original: "this.#redactor.appearsIn(text)", replacement: "true", why: "redacting a record that does not hold the secret gives an equal record, only slower" },
  { file: "src/approvals/records.ts", mutator: "BlockStatement", original: "{\n      return undefined;\n    }", replacement: "{}", why: "an emptied catch falls off the end of open(): undefined all the same (a JSON.parse failure leaves value undefined, which the next check refuses)" },
  { file: "src/approvals/records.ts", mutator: "ConditionalExpression", original: '!isPlainJsonData(value) || typeof value !== "object"', replacement: "false", why: "JSON.parse output is always plain data, and anything but an object has no kind, which the next check refuses" },
  { file: "src/approvals/records.ts", mutator: "LogicalOperator", original: '!isPlainJsonData(value) || typeof value !== "object"', replacement: '!isPlainJsonData(value) && typeof value !== "object"', why: "as above" },
  { file: "src/approvals/records.ts", mutator: "ConditionalExpression", original: 'typeof value !== "object"', replacement: "false", why: "as above" },
  { file: "src/approvals/cutout-window.ts", mutator: "MethodExpression", original: "recent.slice(-limits.max)", replacement: "recent", why: "an admitted run found fewer than max in the window, so the list holds at most max: slicing it changes nothing" },
  { file: "src/approvals/cutout-window.ts", mutator: "BlockStatement", original: "{\n    return undefined;\n  }", replacement: "{}", why: "an emptied catch falls off the end of parseCutoutState: undefined all the same" },
  { file: "src/approvals/kill-switch.ts", mutator: "StringLiteral", original: '"no reason"', replacement: '""', why: "unreachable: a status without 'by' is the unverified record's, which always has a reason" },
  { file: "src/approvals/kill-switch.ts", mutator: "StringLiteral", original: '"?"', replacement: '""', why: "unreachable: a status with 'by' always has 'since' (the record's time)" },
  { file: "src/approvals/desk.ts", mutator: "EqualityOperator", original: "a.requestedAt < b.requestedAt", replacement: "a.requestedAt <= b.requestedAt", why: "differs only for requests made in the same millisecond, whose order is not specified" },
  { file: "src/approvals/desk.ts", mutator: "ConditionalExpression", original: "a.requestedAt > b.requestedAt", replacement: "true", why: "as above" },
  { file: "src/approvals/desk.ts", mutator: "EqualityOperator", original: "a.requestedAt > b.requestedAt", replacement: "a.requestedAt >= b.requestedAt", why: "as above" },
  { file: "src/approvals/desk.ts", mutator: "ConditionalExpression", original: "a.requestedAt > b.requestedAt", replacement: "false", why: "V8's sort only asks whether the comparator's answer is negative: 0 and 1 for a later request sort alike (planted by hand: 3 and 40 scrambled requests still came out oldest first)" },
  { file: "src/approvals/desk.ts", mutator: "EqualityOperator", original: "a.requestedAt > b.requestedAt", replacement: "a.requestedAt <= b.requestedAt", why: "as above" },
  // The canonicalizer's fast path: each of these only makes it leave the fast path (or take a
  // slower branch) where the original would not; the reference implementation it falls back to
  // gives the same bytes. Speed, not output.
  { file: "src/canonical-json.ts", mutator: "EqualityOperator", original: "index < sorted.length", replacement: "index <= sorted.length", why: "one more turn reads sorted[length], undefined: an object with no such key skips it, one with a key \"undefined\" leaves the fast path" },
  { file: "src/canonical-json.ts", mutator: "ConditionalExpression", original: "item === undefined", replacement: "false", why: "an undefined member is then serialized, which leaves the fast path for the reference implementation, which skips it" },
  { file: "src/canonical-json.ts", mutator: "ConditionalExpression", original: 'typeof item === "symbol"', replacement: "false", why: "as above, for a symbol" },
  { file: "src/canonical-json.ts", mutator: "ConditionalExpression", original: 'item === undefined || typeof item === "symbol"', replacement: "false", why: "as above, for both" },
  { file: "src/canonical-json.ts", mutator: "LogicalOperator", original: 'item === undefined || typeof item === "symbol"', replacement: 'item === undefined && typeof item === "symbol"', why: "as above, for both" },
  { file: "src/canonical-json.ts", mutator: "EqualityOperator", original: "name < key", replacement: "name <= key", why: "a member named key was skipped just before" },
  { file: "src/canonical-json.ts", mutator: "EqualityOperator", original: "depth > MAX_DEPTH", replacement: "depth >= MAX_DEPTH", why: "defers to the reference implementation one level sooner" },
  { file: "src/canonical-json.ts", mutator: "ConditionalExpression", original: "default:\n      return undefined;", replacement: "default:", why: "the function then ends without a return: undefined all the same" },
  { file: "src/canonical-json.ts", mutator: "EqualityOperator", original: "index < a.length", replacement: "index <= a.length", why: "compares a[length] with b[length], both undefined, after checking equal lengths" },
  { file: "src/canonical-json.ts", mutator: "ConditionalExpression", original: "PLAIN_STRING.test(text)", replacement: "false", why: "every string is then quoted by JSON.stringify, which gives the same text" },
  // Policies.
  { file: "src/policies/crm.ts", mutator: "ConditionalExpression", original: "typeof windowDays !== \"number\"", replacement: "false", why: "Number.isFinite returns false for every non-number (strings, bigints, objects), so the next clause throws the same RangeError with the same message whether or not the typeof check runs." },
  { file: "src/policies/git.ts", mutator: "ConditionalExpression", original: "colon !== -1", replacement: "true", why: "With no colon, name.slice(0).trim() returns the name unchanged, because it was already trimmed (and lower-casing never produces whitespace), so always taking the branch changes nothing (checked by a 2M-string fuzz plus every BMP code point)." },
  { file: "src/policies/git.ts", mutator: "StringLiteral", original: "\"\"", replacement: "\"Stryker was here!\"", onLine: "for (let previous = \"\"; previous !== name;)", why: "The loop's seed for previous only decides whether the first pass runs: the original skips it only when name is \"\", where a pass is a no-op, and the lower-cased name can never equal the capitalised \"Stryker was here!\", so the result is the same (fuzz-checked)." },
  { file: "src/policies/git.ts", mutator: "Regex", original: "/^\\/+|\\/+$/g", replacement: "/^\\/|\\/+$/g", why: "Every prefix the loop strips starts with a letter, so while leading slashes remain nothing else matches; removing them one per pass instead of all at once only adds passes and reaches the same fixed point (fuzz-checked)." },
  { file: "src/policies/db.ts", mutator: "Regex", original: "/[^a-z0-9]+/", replacement: "/[^a-z0-9]/", why: "Splitting on each separator character instead of each run of them only adds empty strings to the name's parts, and nameMentions is only ever asked for \"delete\" or \"update\", never for \"\"." },
  { file: "src/policies/db.ts", mutator: "StringLiteral", original: "\"\"", replacement: "\"Stryker was here!\"", onLine: "const name = parts.at(-1) ?? \"\";", why: "In splitName, String.prototype.split always returns at least one element, so parts.at(-1) is never undefined and the ?? \"\" fallback is unreachable (hence NoCoverage)." },
  { file: "src/policies/db.ts", mutator: "ConditionalExpression", original: "parts.length > 1", replacement: "true", why: "For a one-part name parts.at(-2) is undefined, so the mutant returns { schema: undefined, name }, which every reader (entry.schema === undefined, target.schema === undefined, entry.schema === target.schema) treats exactly like { name }." },
  { file: "src/policies/db.ts", mutator: "EqualityOperator", original: "parts.length > 1", replacement: "parts.length >= 1", why: "split always yields at least one part, so >= 1 is always true, and a one-part { schema: undefined, name } behaves exactly like { name } wherever schema is read." },
  { file: "src/policies/time.ts", mutator: "EqualityOperator", original: "startHourUtc < endHourUtc", replacement: "startHourUtc <= endHourUtc", why: "The two differ only when startHourUtc === endHourUtc, which withinMaintenanceWindow refuses with a RangeError before any policy exists." },
  { file: "src/policies/sql-scan.ts", mutator: "ConditionalExpression", original: "/[ \\t\\n\\r\\f\\v]/.test(char)", replacement: "false", why: "A whitespace character matches none of the later branches (not - / ' \" $, not in \"();,.\", not WORD), so it falls to the final else, which also only advances index by 1." },
  { file: "src/policies/sql-scan.ts", mutator: "EqualityOperator", original: "end < sql.length", replacement: "end <= sql.length", why: "At end === sql.length, WORD.test(undefined) tests the string \"undefined\" and passes, so end becomes length+1, but sql.slice clamps to the same token text and the outer loop exits at index length+1 just as at length." },
  { file: "src/policies/sql-scan.ts", mutator: "EqualityOperator", original: "index < sql.length", replacement: "index <= sql.length", why: "In skipBlockComment and skipQuoted (the same text in both) the extra turn at index === length reads undefined, matches nothing, steps past the end and reaches the same unterminated-comment or -string error." },
  { file: "src/policies/sql-scan.ts", mutator: "StringLiteral", original: "\"\"", replacement: "\"Stryker was here!\"", onLine: "!NOT_A_STATEMENT.has(previous ?? \"\")", why: "In unfilteredStatements the fallback for a missing previous token is only looked up in NOT_A_STATEMENT ({DO, ON}), which contains neither \"\" nor \"Stryker was here!\"." },
  { file: "src/policies/sql-scan.ts", mutator: "StringLiteral", original: "\"\"", replacement: "\"Stryker was here!\"", onLine: "!NOT_A_STATEMENT.has(tokens[index - 1]?.upper ?? \"\")", why: "In containsStatement the fallback for a missing previous token is only looked up in NOT_A_STATEMENT ({DO, ON}), which contains neither \"\" nor \"Stryker was here!\"." },
  // The client.
  { file: "src/client.ts", mutator: "ConditionalExpression", original: "halt === null", replacement: "false", why: "null is not a Promise, so `!(halt instanceof Promise)` is true for it and the expression yields halt (null) either way." },
  { file: "src/client.ts", mutator: "ConditionalExpression", original: "writable !== undefined", replacement: "true", why: "when assertWritable is absent or returns undefined, awaiting #beforeSideEffects(undefined) resolves to undefined without touching the store, so only extra microtask ticks differ." },
  { file: "src/client.ts", mutator: "ArrowFunction", original: "() => false", replacement: "() => undefined", onLine: "const won = await this.#desk.claim(approval.id, runId).catch(() => false);", why: "the claim's fallback is only read as `!won`, and !undefined === !false, so a failed claim blocks the run either way (line 336)." },
  { file: "src/client.ts", mutator: "ArrowFunction", original: "() => false", replacement: "() => undefined", onLine: "await this.#store.releaseClaim(request.idempotencyKey, runId).catch(() => false);", why: "the value of releaseClaim(...).catch(...) in #beforeSideEffects is awaited and discarded, so what the fallback returns is never read (line 365)." },
  { file: "src/client.ts", mutator: "BooleanLiteral", original: "false", replacement: "true", onLine: "await this.#store.releaseClaim(request.idempotencyKey, runId).catch(() => false);", why: "the value of releaseClaim(...).catch(...) in #beforeSideEffects is awaited and discarded, so what the fallback returns is never read (line 365)." },
  // The file store's control files (approvals, kill switch, cutouts).
  { file: "src/stores/file-control.ts", mutator: "ObjectLiteral", original: '{ flag: "wx" }', replacement: "{}", onLine: "writeFile(temporary, text", why: "replace()'s temporary name carries 48 random bits: wx only guards two replacements of one file picking the same name (as in file-claims.ts)" },
  { file: "src/stores/file-control.ts", mutator: "StringLiteral", original: '"wx"', replacement: '""', onLine: "writeFile(temporary, text", why: "as above" },
  // The Postgres store (src/stores/postgres-store.ts); its other survivors are killed by tests/stores/postgres-store-*.test.ts.
  { file: "src/stores/postgres-store.ts", mutator: "StringLiteral", original: '"SELECT 1"', replacement: '""', why: "the probe only asks whether the database answers: an empty query is a round trip on a pooled connection too (the server answers EmptyQueryResponse, pg resolves it), and fails exactly when SELECT 1 would, on a connection refused, dropped or cut mid-statement" },
  { file: "src/stores/postgres-store.ts", mutator: "ConditionalExpression", original: "!this.#migrated", replacement: "true", why: "a fast path: once migrated, the first-write path awaits migrate()'s settled promise and goes through #observed, which records a fault and a success exactly as the inline path does; only microtask hops differ" },
  // Rollback: src/connectors/github/pulls.ts.
  { file: "src/connectors/github/pulls.ts", mutator: "ArrayDeclaration", original: "[]", replacement: '["Stryker was here"]', onLine: "[]", why: "the secrets failed() redacts from the did-not-merge result: that result holds only GitHub's message, the repo and the PR number, never a secret, and the connector's #attempt redacts its token from every result anyway; an extra unrelated string to redact changes nothing" },
  // Rollback: src/connectors/postgres/undo.ts.
  { file: "src/connectors/postgres/undo.ts", mutator: "ConditionalExpression", original: "a !== undefined && b !== undefined", replacement: "true", why: "every caller of sameRow passes two rows it has already found present (rows gone since the run are filtered out or refused first), so the guard never decides" },
  { file: "src/connectors/postgres/undo.ts", mutator: "LogicalOperator", original: "a !== undefined && b !== undefined", replacement: "a !== undefined || b !== undefined", why: "as above: both rows are always present, so || and && of the two presence checks agree" },
  { file: "src/connectors/postgres/undo.ts", mutator: "ConditionalExpression", original: "a !== undefined", replacement: "true", onLine: "return a !== undefined && b !== undefined && canonicalJson(a)", why: "as above" },
  { file: "src/connectors/postgres/undo.ts", mutator: "ConditionalExpression", original: "b !== undefined", replacement: "true", onLine: "return a !== undefined && b !== undefined && canonicalJson(a)", why: "as above" },
  { file: "src/connectors/postgres/undo.ts", mutator: "StringLiteral", original: '"column"', replacement: '""', onLine: "= $${first + values.length - 1}", why: "keyFilter quotes only primary-key columns, which keyColumns has already checked with quoteIdentifier (labelled \"primary-key column\"), so this call never throws and its label is never shown" },
  // Rollback: src/rollback/engine.ts.
  { file: "src/rollback/engine.ts", mutator: "MethodExpression", original: "runId.toLowerCase()", replacement: "runId.toUpperCase()", onLine: "enact-rollback:", why: "the rollback's key is an opaque HMAC of the run id: folding every spelling of an id to upper case instead of lower gives each run one key just the same" },
  { file: "src/rollback/engine.ts", mutator: "StringLiteral", original: '"invalid"', replacement: '""', why: "a failed Zod safeParse always has at least one issue, so the fallback after ?? is never used" },
];

const DETECTED = new Set(["Killed", "Timeout"]);
const COUNTED = new Set(["Killed", "Timeout", "Survived", "NoCoverage"]);

// Only when run, not when imported (for MODULES or EQUIVALENT): importing must never start Stryker.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

function main() {
  const args = process.argv.slice(2);
  const only = args.find((arg) => arg.startsWith("--only="))?.slice("--only=".length).split(",");
  const summaryOnly = args.includes("--summary");

  if (only !== undefined) {
    const unknown = only.filter((name) => !MODULES.some((module) => module.name === name));
    if (unknown.length > 0) {
      console.error(`Unknown module(s): ${unknown.join(", ")}. Modules: ${MODULES.map((module) => module.name).join(", ")}`);
      process.exit(2);
    }
  }

  if (!summaryOnly) {
    for (const module of MODULES) {
      if (only !== undefined && !only.includes(module.name)) continue;
      console.log(`\n=== ${module.name}: ${module.mutate.join(", ")}`);
      const run = spawnSync("npx", ["stryker", "run", "--mutate", module.mutate.join(","), "--incrementalFile", reportPath(module.name)], {
        stdio: "inherit",
        env: { ...process.env, MUTATION_TESTS: module.tests.join(",") },
      });
      if (run.status !== 0) {
        console.error(`Stryker failed on ${module.name} (exit ${run.status ?? run.signal}).`);
        process.exit(1);
      }
    }
  }

  printSummary();
}

function reportPath(name) {
  return `reports/incremental/${name}.json`;
}

function printSummary() {
  const rows = [];
  const total = { detected: 0, counted: 0, equivalent: 0 };
  for (const module of MODULES) {
    const path = reportPath(module.name);
    if (!existsSync(path)) {
      rows.push(`| ${module.name} | not run | | | |`);
      continue;
    }
    const counts = countReport(JSON.parse(readFileSync(path, "utf8")));
    total.detected += counts.detected;
    total.counted += counts.counted;
    total.equivalent += counts.equivalent;
    rows.push(
      `| ${module.name} | ${counts.detected} of ${counts.counted} | ${percent(counts.detected, counts.counted)} | ${counts.equivalent} | ` +
        `${percent(counts.detected, counts.counted - counts.equivalent)} |`,
    );
  }
  console.log("\n| module | detected (killed or timed out) | score | equivalent survivors | score without them |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const row of rows) console.log(row);
  console.log(
    `| **recorded modules** | ${total.detected} of ${total.counted} | ${percent(total.detected, total.counted)} | ${total.equivalent} | ` +
      `${percent(total.detected, total.counted - total.equivalent)} |`,
  );
  const missing = MODULES.filter((module) => !existsSync(reportPath(module.name))).map((module) => module.name);
  if (missing.length > 0) console.log(`\nNot run yet: ${missing.join(", ")}. The core's score needs every module.`);
}

/** Stryker's score counts killed, timed-out, surviving and uncovered mutants; the checker's rejects and ignored ones are left out. */
function countReport(report) {
  const counts = { detected: 0, counted: 0, equivalent: 0 };
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split("\n");
    for (const mutant of mutants) {
      if (!COUNTED.has(mutant.status)) continue;
      counts.counted += 1;
      if (DETECTED.has(mutant.status)) counts.detected += 1;
      else if (isEquivalent(file, mutant, lines)) counts.equivalent += 1;
    }
  }
  return counts;
}

function isEquivalent(file, mutant, lines) {
  const original = textAt(lines, mutant.location);
  return EQUIVALENT.some(
    (known) =>
      file.endsWith(known.file) &&
      known.mutator === mutant.mutatorName &&
      known.original === original &&
      known.replacement === mutant.replacement &&
      (known.onLine === undefined || (lines[mutant.location.start.line - 1] ?? "").includes(known.onLine)),
  );
}

// Locations are 1-based lines and columns, the end exclusive.
function textAt(lines, { start, end }) {
  if (start.line === end.line) return lines[start.line - 1]?.slice(start.column - 1, end.column - 1);
  const middle = lines.slice(start.line, end.line - 1);
  return [lines[start.line - 1]?.slice(start.column - 1), ...middle, lines[end.line - 1]?.slice(0, end.column - 1)].join("\n");
}

function percent(part, whole) {
  return whole === 0 ? "—" : `${((100 * part) / whole).toFixed(1)}%`;
}
