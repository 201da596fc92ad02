import { describe, expect, it } from "vitest";
import { MissingPeerDependencyError } from "enact-sdk";
import { loadPeer } from "../src/peer.js";

describe("loadPeer()", () => {
  it("loads an installed vendor SDK", () => {
    expect(typeof loadPeer<typeof import("pg")>("pg", "enact-sdk/connectors/postgres").Pool).toBe("function");
  });

  it("names the package to install when it is missing", () => {
    expect(() => loadPeer("enact-sdk-no-such-vendor-sdk", "enact-sdk/connectors/example")).toThrow(MissingPeerDependencyError);
    expect(() => loadPeer("enact-sdk-no-such-vendor-sdk", "enact-sdk/connectors/example")).toThrow(
      "enact-sdk/connectors/example needs the 'enact-sdk-no-such-vendor-sdk' package. Install it with: npm install enact-sdk-no-such-vendor-sdk",
    );
  });
});
