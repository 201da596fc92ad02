/**
 * Keeps database credentials out of everything the CLI prints. A libpq connection string can
 * carry a password in the URL's userinfo (`postgres://user:pw@host`), in a query parameter
 * (`?password=pw`, `?sslpassword=pw`, also with the name percent-encoded: `?pass%77ord=pw`), or,
 * in the key=value form, as `password=pw` / `password='p w'`. Messages from `pg` or from the
 * CLI itself may quote any of them.
 */

const MASK = "***";

/** Passwords shorter than this are masked where they are named (`password=`), not wherever they occur. */
const MIN_MASKED_LENGTH = 4;

/** Parameter names that carry a secret, once percent-decoded (libpq's names, matched loosely). */
const SECRET_PARAMETER = /^(ssl)?pass(word)?$/i;

/** `scheme://user:password@`: the userinfo password of any URL in a text. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)([^\s/?#@]*)@/gi;

/** `name=value` as in a query string or a key=value conninfo (value quoted with '…' or not). */
const PARAMETER = /([A-Za-z0-9_%]+)(\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&#'"]*)/g;

/**
 * `text` with every credential form a connection string can carry replaced by `***`, and every
 * occurrence of `secrets` (the passwords of the connection string the CLI was given, as written
 * and decoded) too, for messages that quote a password without its name.
 */
export function redactCredentials(text: string, secrets: readonly string[] = []): string {
  let redacted = text
    .replace(USERINFO, (_match, prefix: string) => `${prefix}${MASK}@`)
    .replace(PARAMETER, (match, name: string, equals: string) => (SECRET_PARAMETER.test(decodeValue(name)) ? `${name}${equals}${MASK}` : match));
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    // Shorter ones would mangle every message they happen to occur in, and guard next to nothing.
    if (secret.length >= MIN_MASKED_LENGTH) redacted = redacted.split(secret).join(MASK);
  }
  return redacted;
}

/** The passwords in a connection string, as written and percent-decoded, to mask wherever they appear. */
export function credentialsOf(connectionString: string | undefined): string[] {
  if (connectionString === undefined) return [];
  const found = new Set<string>();
  const add = (value: string): void => {
    if (value === "") return;
    found.add(value);
    const decoded = decodeValue(value);
    if (decoded !== "") found.add(decoded);
  };
  for (const match of connectionString.matchAll(USERINFO)) add(match[2] ?? "");
  for (const match of connectionString.matchAll(PARAMETER)) {
    if (!SECRET_PARAMETER.test(decodeValue(match[1] ?? ""))) continue;
    const value = match[3] ?? "";
    add(value);
    if (value.startsWith("'")) add(value.replace(/^'|'$/g, "").replace(/\\(.)/g, "$1"));
  }
  return [...found];
}

/**
 * How to name a database in messages: the connection string without any password (userinfo
 * password removed, password parameters masked). Host, port, user and database stay, so an
 * auditor can tell which store was checked.
 */
export function maskConnectionString(connectionString: string): string {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return redactCredentials(connectionString);
  }
  url.password = "";
  return redactCredentials(url.toString());
}

function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}
