import { describe, expect, it } from "vitest";
import { DuplicateJsonKeyError, parseStrictJson } from "../src/strict-json.js";

describe("parseStrictJson", () => {
  it("parses JSON without repeated keys as JSON.parse does", () => {
    const text = JSON.stringify({ a: 1, b: [{ a: 2 }, { a: 3 }], c: { a: { a: "x:y" } }, "k:": "::" }, null, 2);
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
    expect(parseStrictJson('[1, "a", {"x": null}]')).toEqual([1, "a", { x: null }]);
    expect(parseStrictJson('"just a string"')).toBe("just a string");
  });

  it("refuses a key twice in one object, naming it", () => {
    expect(() => parseStrictJson('{"decision":"PASS","decision":"BLOCK"}')).toThrow(DuplicateJsonKeyError);
    expect(() => parseStrictJson('{"decision":"PASS","decision":"BLOCK"}')).toThrow(/"decision" twice/);
  });

  it("refuses a repeated key nested anywhere, with whitespace before the colon", () => {
    expect(() => parseStrictJson('{"a":[{"b":1}, {"c": {"d" :1, "d"\n:2}}]}')).toThrow(DuplicateJsonKeyError);
  });

  it("refuses a key repeated under another spelling (escapes)", () => {
    expect(() => parseStrictJson('{"decision":"PASS","\\u0064ecision":"BLOCK"}')).toThrow(/"decision" twice/);
    expect(() => parseStrictJson('{"a\\/b":1,"a/b":2}')).toThrow(DuplicateJsonKeyError);
  });

  it("is not fooled by colons written as \\u003a to balance the count", () => {
    expect(() => parseStrictJson('{"a":"\\u003a","a":"x"}')).toThrow(DuplicateJsonKeyError);
    expect(() => parseStrictJson('{"a":"x","a":"y","b":"\\u003a"}')).toThrow(DuplicateJsonKeyError);
  });

  it("is not fooled by quotes, braces and colons inside strings", () => {
    expect(parseStrictJson('{"a":"}\\"a\\":{","b":"\\\\","c":"\\"a\\":1"}')).toEqual({ a: '}"a":{', b: "\\", c: '"a":1' });
    expect(() => parseStrictJson('{"a":"\\\\","a":1}')).toThrow(DuplicateJsonKeyError);
  });

  it("allows the same key in sibling and nested objects", () => {
    expect(parseStrictJson('{"a":{"a":{"a":1}},"b":{"a":2}}')).toEqual({ a: { a: { a: 1 } }, b: { a: 2 } });
  });

  it("refuses __proto__ twice and keeps a single one as data", () => {
    expect(() => parseStrictJson('{"__proto__":1,"__proto__":2}')).toThrow(DuplicateJsonKeyError);
    expect(Object.keys(parseStrictJson('{"__proto__":{"x":1}}') as object)).toEqual(["__proto__"]);
  });

  it("throws SyntaxError for text that is not JSON", () => {
    expect(() => parseStrictJson('{"a":')).toThrow(SyntaxError);
  });

  it("handles deep nesting without overflowing the stack", () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    expect(() => parseStrictJson(deep)).not.toThrow();
  });
});
