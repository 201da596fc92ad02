import { describe, expect, it } from "vitest";
import { MalformedSqlError, tokenize } from "../../src/policies/sql-scan.js";

/** Just the token texts, for tests that only care which words the scanner kept. */
function texts(sql: string): string[] {
  return tokenize(sql).map((token) => token.text);
}

describe("tokenize: words and punctuation", () => {
  it("returns exactly the words of the SQL, upper-cased for comparison, with no trailing empty token", () => {
    expect(tokenize("delete from t")).toEqual([
      { text: "delete", upper: "DELETE", quoted: false },
      { text: "from", upper: "FROM", quoted: false },
      { text: "t", upper: "T", quoted: false },
    ]);
  });

  it("drops operators instead of turning them into tokens", () => {
    expect(texts("a = b * 2 < c")).toEqual(["a", "b", "2", "c"]);
  });

  it("keeps ( ) ; , . as tokens of their own", () => {
    expect(texts("f(a, s.b);")).toEqual(["f", "(", "a", ",", "s", ".", "b", ")", ";"]);
  });
});

describe("tokenize: comments", () => {
  it("treats a single minus as an operator, not as the start of a comment", () => {
    expect(texts("x - y")).toEqual(["x", "y"]);
  });

  it("does not start a comment at a word followed by a minus", () => {
    expect(texts("a-b")).toEqual(["a", "b"]);
  });

  it("skips a -- comment up to the end of its line and reads the next line", () => {
    expect(texts("-- note\nDELETE FROM t")).toEqual(["DELETE", "FROM", "t"]);
  });

  it("skips a -- comment on the last line to the end of the SQL", () => {
    expect(texts("SELECT 1 -- WHERE id = 1")).toEqual(["SELECT", "1"]);
  });

  it("treats a single slash as an operator, not as the start of a block comment", () => {
    expect(texts("a / b")).toEqual(["a", "b"]);
  });

  it("does not start a block comment at a word followed by a star", () => {
    expect(texts("a*b")).toEqual(["a", "b"]);
  });

  it("skips an empty block comment", () => {
    expect(texts("/**/ x")).toEqual(["x"]);
  });

  it("skips nested block comments as one comment, as Postgres does", () => {
    expect(texts("/* a /* b */ WHERE */ d")).toEqual(["d"]);
  });

  it("refuses an unterminated block comment with a MalformedSqlError", () => {
    expect(() => tokenize("DELETE FROM t /* WHERE id = 1")).toThrow(MalformedSqlError);
    expect(() => tokenize("DELETE FROM t /* WHERE id = 1")).toThrow("SQL has an unterminated /* comment.");
  });

  it("names its error MalformedSqlError", () => {
    const error = new MalformedSqlError("x");
    expect(error.name).toBe("MalformedSqlError");
    expect(String(error)).toBe("MalformedSqlError: x");
  });
});

describe("tokenize: string literals", () => {
  it("skips a standard string whose backslash is a plain character", () => {
    expect(texts("'C:\\' x")).toEqual(["x"]);
  });

  it("skips a doubled quote inside a string as part of the string", () => {
    expect(texts("'it''s WHERE' x")).toEqual(["x"]);
  });

  it("skips an E string whose backslash escapes a quote, at the start of the SQL", () => {
    expect(texts("E'it\\'s' x")).toEqual(["E", "x"]);
  });

  it("skips an E string that has both a doubled quote and a backslash-escaped quote", () => {
    expect(texts("E'a'' \\' b' c")).toEqual(["E", "c"]);
  });

  it("treats a word ending in e before a quote as an identifier followed by a standard string", () => {
    expect(texts("somee'a\\' x")).toEqual(["somee", "x"]);
  });

  it("refuses an unterminated string with the quote named in the message", () => {
    expect(() => tokenize("SELECT 'abc")).toThrow(MalformedSqlError);
    expect(() => tokenize("SELECT 'abc")).toThrow("SQL has an unterminated 'quoted' string.");
  });
});

describe("tokenize: quoted identifiers", () => {
  it("keeps a quoted identifier as one quoted token, case and all, without its quotes", () => {
    expect(tokenize('SELECT "Where"')).toEqual([
      { text: "SELECT", upper: "SELECT", quoted: false },
      { text: "Where", upper: "Where", quoted: true },
    ]);
  });

  it('reads a doubled "" inside a quoted identifier as one quote', () => {
    expect(tokenize('"a""b"')).toEqual([{ text: 'a"b', upper: 'a"b', quoted: true }]);
  });

  it("keeps a backslash in a quoted identifier as a plain character", () => {
    expect(tokenize('"a\\" b')).toEqual([
      { text: "a\\", upper: "a\\", quoted: true },
      { text: "b", upper: "B", quoted: false },
    ]);
  });

  it("refuses an unterminated quoted identifier", () => {
    expect(() => tokenize('SELECT "abc')).toThrow('SQL has an unterminated "quoted" string.');
  });
});

describe("tokenize: dollar quoting", () => {
  it("skips a $$ body at the start of the SQL", () => {
    expect(texts("$$ WHERE $$")).toEqual([]);
  });

  it("skips a $$ body in the middle of the SQL", () => {
    expect(texts("SELECT $$ WHERE $$ x")).toEqual(["SELECT", "x"]);
  });

  it("skips a body quoted with a tag of letters", () => {
    expect(texts("SELECT $body$ WHERE $body$ x")).toEqual(["SELECT", "x"]);
  });

  it("skips a body quoted with a tag that has digits and underscores after its first letter", () => {
    expect(texts("SELECT $_f1$ WHERE $_f1$ x")).toEqual(["SELECT", "x"]);
  });

  it("does not end a tagged body at a $$ inside it", () => {
    expect(texts("SELECT $fn$ a $$ WHERE $$ b $fn$ x")).toEqual(["SELECT", "x"]);
  });

  it("keeps a parameter such as $1 as a word", () => {
    expect(texts("WHERE id = $1")).toEqual(["WHERE", "id", "$1"]);
  });

  it("keeps a lone $ at the end of the SQL as a word", () => {
    expect(texts("a $")).toEqual(["a", "$"]);
  });

  it("does not treat $name without a closing $ as a dollar quote, so the words after it still count", () => {
    expect(texts("$x WHERE y")).toEqual(["x", "WHERE", "y"]);
  });

  it("does not start a dollar quote at a $ that is part of a word", () => {
    expect(texts("a$$ WHERE b$$")).toEqual(["a$$", "WHERE", "b$$"]);
  });

  it("refuses an unterminated $$ body at the start of the SQL, naming the tag", () => {
    expect(() => tokenize("$$ WHERE")).toThrow("SQL has an unterminated $$ string.");
  });

  it("refuses an unterminated tagged body, naming the tag", () => {
    expect(() => tokenize("SELECT $body$ WHERE")).toThrow(MalformedSqlError);
    expect(() => tokenize("SELECT $body$ WHERE")).toThrow("SQL has an unterminated $body$ string.");
  });

  it("does not look ahead of a $name for a tag that appears later in the SQL", () => {
    expect(texts("$a x $$ y $$ z")).toEqual(["a", "x", "z"]);
  });
});
