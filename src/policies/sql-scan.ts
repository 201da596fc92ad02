/**
 * Just enough SQL lexing for the database policies: words and punctuation with string literals,
 * dollar-quoted bodies and comments removed, so `WHERE` inside a string or a comment cannot make
 * an unfiltered DELETE look filtered. Anything it cannot lex (an unterminated string or comment)
 * is reported as malformed and the policies fail closed.
 */

/** A keyword or identifier (`upper` for comparisons), or one of `( ) ; , .`. */
export interface SqlToken {
  readonly text: string;
  readonly upper: string;
  readonly quoted: boolean;
}

/** Thrown for SQL the scanner cannot read; policies turn it into a failed result. */
export class MalformedSqlError extends Error {
  override readonly name = "MalformedSqlError";
}

// Postgres identifier characters: ASCII letters, digits, `_`, `$` and every non-ASCII character (all
// of its UTF-8 bytes are >= 0x80), so `x\u00a0where` or `✓where` is one word to Postgres, not a WHERE.
const WORD = /[A-Za-z0-9_$\u0080-\u{10FFFF}]/u;

/** Splits `sql` into words and punctuation, skipping literals, comments and whitespace. */
export function tokenize(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let index = 0;
  const push = (text: string, quoted = false): void => {
    tokens.push({ text, upper: quoted ? text : text.toUpperCase(), quoted });
  };
  while (index < sql.length) {
    const char = sql[index] as string;
    const next = sql[index + 1];
    // No u flag: Stryker mutates \v to \V, which the u flag makes a syntax error in the whole module.
    if (/[ \t\n\r\f\v]/.test(char)) {
      index += 1;
    } else if (char === "-" && next === "-") {
      // Postgres ends a -- comment at \n or \r, so a lone \r starts a new line that runs.
      const end = sql.slice(index).search(/[\n\r]/u);
      index = end === -1 ? sql.length : index + end + 1;
    } else if (char === "/" && next === "*") {
      index = skipBlockComment(sql, index);
    } else if (char === "'") {
      // E'...' strings treat backslash as an escape; the E must be a token of its own (`somee'x'`
      // is an identifier followed by a standard string), exactly as Postgres lexes it.
      const escapes = /[eE]/.test(sql[index - 1] ?? "") && !WORD.test(sql[index - 2] ?? "");
      index = skipQuoted(sql, index, "'", escapes);
    } else if (char === '"') {
      const end = skipQuoted(sql, index, '"', false);
      push(sql.slice(index + 1, end - 1).replaceAll('""', '"'), true);
      index = end;
    } else if (char === "$" && /[$A-Za-z_\u0080-\u{10FFFF}]/u.test(next ?? "") && !WORD.test(sql[index - 1] ?? "")) {
      index = skipDollarQuoted(sql, index);
    } else if ("();,.".includes(char)) {
      push(char);
      index += 1;
    } else if (WORD.test(char)) {
      let end = index + 1;
      while (end < sql.length && WORD.test(sql[end] as string)) end += 1;
      push(sql.slice(index, end));
      index = end;
    } else {
      index += 1; // operators and other symbols carry no meaning for these checks
    }
  }
  return tokens;
}

function skipBlockComment(sql: string, start: number): number {
  // Postgres block comments nest.
  let depth = 0;
  let index = start;
  while (index < sql.length) {
    if (sql.startsWith("/*", index)) {
      depth += 1;
      index += 2;
    } else if (sql.startsWith("*/", index)) {
      depth -= 1;
      index += 2;
      if (depth === 0) return index;
    } else {
      index += 1;
    }
  }
  throw new MalformedSqlError("SQL has an unterminated /* comment.");
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let index = start + 1;
  while (index < sql.length) {
    const char = sql[index];
    if (backslashEscapes && char === "\\") {
      index += 2;
    } else if (char === quote) {
      if (sql[index + 1] === quote) index += 2;
      else return index + 1;
    } else {
      index += 1;
    }
  }
  throw new MalformedSqlError(`SQL has an unterminated ${quote}quoted${quote} string.`);
}

function skipDollarQuoted(sql: string, start: number): number {
  const tag = /^\$(?:[A-Za-z_\u0080-\u{10FFFF}][A-Za-z0-9_\u0080-\u{10FFFF}]*)?\$/u.exec(sql.slice(start))?.[0];
  if (tag === undefined) return start + 1; // a parameter such as $1
  const end = sql.indexOf(tag, start + tag.length);
  if (end === -1) throw new MalformedSqlError(`SQL has an unterminated ${tag} string.`);
  return end + tag.length;
}

/** Where a statement kind occurs without a WHERE at its own nesting level. */
export interface UnfilteredStatement {
  readonly kind: "DELETE" | "UPDATE" | "TRUNCATE";
  /** The statement's first few words, for the reason. */
  readonly excerpt: string;
}

/**
 * Every DELETE or UPDATE in `sql` that has no WHERE at its own parenthesis level (so a WHERE in a
 * subquery or a later statement does not count), and every TRUNCATE (which deletes everything).
 * `ON CONFLICT DO UPDATE` touches only the conflicting row and is not counted.
 */
export function unfilteredStatements(sql: string, kind: "DELETE" | "UPDATE"): UnfilteredStatement[] {
  const tokens = tokenize(sql);
  const found: UnfilteredStatement[] = [];
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] as SqlToken;
    if (token.quoted) continue;
    const previous = tokens[index - 1]?.upper;
    if (kind === "DELETE" && token.upper === "TRUNCATE") {
      found.push({ kind: "TRUNCATE", excerpt: excerpt(tokens, index) });
    } else if (kind === "DELETE" && token.upper === "DELETE" && tokens[index + 1]?.upper === "FROM") {
      if (!hasWhere(tokens, index)) found.push({ kind, excerpt: excerpt(tokens, index) });
    } else if (kind === "UPDATE" && token.upper === "UPDATE" && !NOT_A_STATEMENT.has(previous ?? "") && hasSet(tokens, index)) {
      if (!hasWhere(tokens, index)) found.push({ kind, excerpt: excerpt(tokens, index) });
    }
  }
  return found;
}

/** True when `sql` contains a DELETE FROM / TRUNCATE (kind DELETE) or UPDATE ... SET (kind UPDATE). */
export function containsStatement(sql: string, kind: "DELETE" | "UPDATE"): boolean {
  const tokens = tokenize(sql);
  return tokens.some((token, index) => {
    if (token.quoted) return false;
    if (kind === "DELETE") return token.upper === "TRUNCATE" || (token.upper === "DELETE" && tokens[index + 1]?.upper === "FROM");
    return token.upper === "UPDATE" && !NOT_A_STATEMENT.has(tokens[index - 1]?.upper ?? "") && hasSet(tokens, index);
  });
}

// `ON CONFLICT DO UPDATE SET` (one row) and `ON UPDATE SET NULL` (a foreign key rule) are not UPDATE statements.
const NOT_A_STATEMENT = new Set(["DO", "ON"]);

// Walks from `start` to the end of its statement (a `;` or the `)` closing its level).
function* sameLevel(tokens: readonly SqlToken[], start: number): Generator<SqlToken> {
  let depth = 0;
  for (let index = start + 1; index < tokens.length; index += 1) {
    const token = tokens[index] as SqlToken;
    if (!token.quoted && token.text === "(") depth += 1;
    else if (!token.quoted && token.text === ")") {
      depth -= 1;
      if (depth < 0) return;
    } else if (!token.quoted && token.text === ";" && depth === 0) return;
    else if (depth === 0) yield token;
  }
}

function hasWhere(tokens: readonly SqlToken[], start: number): boolean {
  for (const token of sameLevel(tokens, start)) if (!token.quoted && token.upper === "WHERE") return true;
  return false;
}

function hasSet(tokens: readonly SqlToken[], start: number): boolean {
  for (const token of sameLevel(tokens, start)) {
    if (token.quoted) continue;
    if (token.upper === "SET") return true;
    if (token.upper === "WHERE" || token.upper === "FROM") return false;
  }
  return false;
}

function excerpt(tokens: readonly SqlToken[], start: number): string {
  return tokens
    .slice(start, start + 4)
    .map((token) => (token.quoted ? `"${token.text}"` : token.text))
    .join(" ");
}
