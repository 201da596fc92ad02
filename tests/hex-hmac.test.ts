import { createHmac, createSecretKey } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HexHmac } from "../src/hex-hmac.js";

const SECRET = "hex-hmac-test-secret-0123456789abcdef";
const hmac = new HexHmac(createSecretKey(Buffer.from(SECRET, "utf8")));
const reference = (text: string): string => createHmac("sha256", SECRET).update(text, "utf8").digest("hex");

describe("HexHmac", () => {
  it("writes HMAC-SHA256 of the text's UTF-8 bytes as lowercase hex", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(hmac.of(text)).toBe(reference(text));
      }),
    );
  });

  it("accepts exactly the MAC of the text, check after check", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (text, other) => {
        expect(hmac.matches(text, reference(text))).toBe(true);
        expect(hmac.matches(other, reference(text))).toBe(other === text);
      }),
    );
  });

  it("rejects a MAC in another form or under another key, without throwing", () => {
    const mac = reference("text");
    for (const claimed of [mac.toUpperCase(), mac.slice(1), `${mac}0`, ` ${mac.slice(1)}`, "", undefined, null, 7, Buffer.from(mac, "hex")]) {
      expect(hmac.matches("text", claimed)).toBe(false);
    }
    expect(new HexHmac(createSecretKey(Buffer.from("another-secret", "utf8"))).matches("text", mac)).toBe(false);
  });
});
