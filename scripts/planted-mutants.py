#!/usr/bin/env python3
"""Plants each of issue 27's eight mutants by hand, runs the test that pins it, expects it to FAIL,
and restores the file. Run from the repository root with DATABASE_URL set:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python3 scripts/planted-mutants.py
"""
import os, subprocess, sys

MUTANTS = [
    ("claim before policies", "src/client.ts",
     "    const keyed = { key, fingerprint, workflow: workflow.name, actorEmail, payload: received };",
     "    await evaluatePolicies({ workflow: workflow.name, actorEmail: request.actorEmail, payload: received, systems: this.#systems }, this.#checks);\n"
     "    const keyed = { key, fingerprint, workflow: workflow.name, actorEmail, payload: received };",
     1, "tests/client-run-order.test.ts"),
    ("async policies concurrent", "src/policy.ts",
     "    const outcome = callPolicy(policies[index] as Policy, ctx);",
     "    const policy = policies[index] as Policy;\n"
     "    const outcome = pending ? Promise.resolve(outcomes[index - 1]).then(() => callPolicy(policy, ctx)) : callPolicy(policy, ctx);",
     1, "tests/client-run-order.test.ts"),
    ("rollback of a merged PR is not PASS", "src/connectors/github/pulls.ts",
     "  if (pull.merged) {\n    return failed(", "  if (false) {\n    return failed(", 1, "tests/rollback/github-undo-outcomes.test.ts"),
    ("restoring a deleted branch is not a no-op", "src/connectors/github/undo.ts",
     "  const output = { repo: target.fullName, branch, sha };\n",
     "  const output = { repo: target.fullName, branch, sha };\n  if (sha !== '') return succeeded(SYSTEM, \"restore_branch\", output);\n",
     1, "tests/rollback/github-undo-outcomes.test.ts"),
    ("postgres undo: key now held by another row", "src/connectors/postgres/undo.ts",
     "    if (taken.length > 0) {", "    if (false) {", 1, "tests/rollback/postgres-undo-checks.test.ts"),
    ("postgres undo: primary key changed since", "src/connectors/postgres/undo.ts",
     "  if (pairs.some((pair) => pair.after === undefined) || after.length !== before.length) {",
     "  if (false) {", 1, "tests/rollback/postgres-undo-checks.test.ts"),
    ("git tree entry type", "src/connectors/github/commits.ts",
     'type: "blob" as const,', 'type: "tree" as const,', 1, "tests/connectors/github-tree-entries.test.ts"),
    ("hubspot search limit 1000 (find contact)", "src/connectors/hubspot.ts",
     "      limit: 1,\n    } as SearchRequest;\n    const page = await this.#objects.searchApi.doSearch(\"contacts\"",
     "      limit: 1000,\n    } as SearchRequest;\n    const page = await this.#objects.searchApi.doSearch(\"contacts\"",
     1, "tests/connectors/hubspot-search-requests.test.ts"),
    ("hubspot search limit 1000 (count tasks)", "src/connectors/hubspot.ts",
     "        limit: 1,\n      } as SearchRequest;", "        limit: 1000,\n      } as SearchRequest;", 1,
     "tests/connectors/hubspot-search-requests.test.ts"),
    ("stryker receipt.ts:84 message", "src/receipt.ts", '  if (text === undefined) throw new TypeError("Only JSON values have a canonical form");\n  return text;\n}\n\n/** A signed', '  if (text === undefined) throw new TypeError("");\n  return text;\n}\n\n/** A signed', 1, "tests/receipt-signer-edges.test.ts"),
    ("stryker receipt.ts:114 block removed", "src/receipt.ts", "      signing = this.#redactor.redactReceipt(receipt);\n      text = canonicalText(signing);\n", "", 1, "tests/receipt-signer-edges.test.ts"),
    # Stryker survivors of the file-claims run (2026-12-06), killed by tests/stores/file-claims.test.ts.
    ("claims file-claims.ts:46 update guard", "src/stores/file-claims.ts",
     "    if (existing?.runId !== runId) return;", "    if (false) return;", 1, "tests/stores/file-claims.test.ts"),
    ("claims file-claims.ts:55 release guard", "src/stores/file-claims.ts",
     "    if (existing?.runId !== runId) return false;", "    if (false) return false;", 1, "tests/stores/file-claims.test.ts"),
    ("claims file-claims.ts:55 release guard true", "src/stores/file-claims.ts",
     "    if (existing?.runId !== runId) return false;", "    if (existing?.runId !== runId) return true;", 1, "tests/stores/file-claims.test.ts"),
    ("claims file-claims.ts:58 return false", "src/stores/file-claims.ts",
     "    return true;\n  }\n\n  #path", "    return false;\n  }\n\n  #path", 1, "tests/stores/file-claims.test.ts"),
    ("claims file-claims.ts:66 mkdir not recursive", "src/stores/file-claims.ts",
     "mkdir(this.#directory, { recursive: true })", "mkdir(this.#directory, {})", 1, "tests/stores/file-claims.test.ts"),
    ("claims file-claims.ts:39 any read error is free", "src/stores/file-claims.ts",
     '      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;', "      if (true) return undefined;", 1, "tests/stores/file-claims.test.ts"),
    # Stryker survivors of the signing run (2026-12-06), killed by tests/receipt-signer-edges.test.ts.
    ("stryker receipt.ts:114 appearsIn -> false", "src/receipt.ts",
     "    if (this.#redactor.appearsIn(text)) {", "    if (false) {", 1, "tests/receipt-signer-edges.test.ts"),
    ("stryker receipt.ts:126 signWithJson(receipt, true)", "src/receipt.ts",
     "    return this.#signWithJson(receipt, false);", "    return this.#signWithJson(receipt, true);", 1, "tests/receipt-signer-edges.test.ts"),
    ("stryker receipt.ts:137 if (false)", "src/receipt.ts",
     "    if (!redacted && this.#redactor.appearsIn(unsigned)) return", "    if (false) return", 1, "tests/receipt-signer-edges.test.ts"),
    ("stryker receipt.ts:137 redacted &&", "src/receipt.ts",
     "    if (!redacted && this.#redactor.appearsIn(unsigned)) return", "    if (redacted && this.#redactor.appearsIn(unsigned)) return", 1, "tests/receipt-signer-edges.test.ts"),
    ("stryker receipt.ts:137 recursion with redacted=false", "src/receipt.ts",
     "this.#signWithJson(this.#redactor.redactReceipt(receipt), true);", "this.#signWithJson(this.#redactor.redactReceipt(receipt), false);", 1, "tests/receipt-signer-edges.test.ts"),
    ("stryker receipt.ts:165 catch returns true", "src/receipt.ts",
     "    } catch {\n      return false;\n    }\n  }\n}", "    } catch {\n      return true;\n    }\n  }\n}", 1, "tests/receipt-signer-edges.test.ts"),
    ("stryker receipt.ts:184 if (false)", "src/receipt.ts",
     '  if (typeof secret !== "string" || secret.length === 0) return false;', "  if (false) return false;", 1, "tests/receipt-signer-edges.test.ts"),
    ("stryker receipt.ts:184 false || length", "src/receipt.ts",
     '  if (typeof secret !== "string" || secret.length === 0) return false;', "  if (false || secret.length === 0) return false;", 1, "tests/receipt-signer-edges.test.ts"),
    ("stryker receipt.ts:184 typeof || false", "src/receipt.ts",
     '  if (typeof secret !== "string" || secret.length === 0) return false;', '  if (typeof secret !== "string" || false) return false;', 1, "tests/receipt-signer-edges.test.ts"),
]

only = sys.argv[1:]
failures = 0
for name, path, old, new, count, test in MUTANTS:
    if only and not any(word in name for word in only):
        continue
    original = open(path).read()
    if original.count(old) != count:
        print(f"!! {name}: pattern found {original.count(old)} times in {path}")
        failures += 1
        continue
    open(path, "w").write(original.replace(old, new))
    try:
        run = subprocess.run(["npx", "vitest", "run", test], capture_output=True, text=True, env=os.environ)
    finally:
        open(path, "w").write(original)
    summary = [line for line in run.stdout.splitlines() if "Tests" in line and ("failed" in line or "passed" in line)]
    verdict = "KILLED" if run.returncode != 0 else "SURVIVED"
    if run.returncode == 0:
        failures += 1
    print(f"{verdict:8} {name}: {test} -> {summary[-1].strip() if summary else run.returncode}")
sys.exit(1 if failures else 0)
