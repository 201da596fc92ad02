import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const probe = fileURLToPath(new URL("../support/loads-hubspot-sdk.mts", import.meta.url));

// A fresh process, so the module cache shows exactly what one import pulls in.
function loadsHubSpotSdk(entry: string): boolean {
  const output = execFileSync(process.execPath, ["--import", "tsx", probe, `${root}${entry}`], { cwd: root, encoding: "utf8" });
  return (JSON.parse(output) as { loaded: boolean }).loaded;
}

describe("@hubspot/api-client stays an optional peer", () => {
  it("is not loaded by importing enact-sdk/policies", () => {
    expect(loadsHubSpotSdk("src/policies/index.ts")).toBe(false);
  });

  it("is not loaded by importing enact-sdk/workflows", () => {
    expect(loadsHubSpotSdk("src/workflows/index.ts")).toBe(false);
  });

  it("is loaded by importing enact-sdk/connectors/hubspot", () => {
    expect(loadsHubSpotSdk("src/connectors/hubspot.ts")).toBe(true);
  });
});
