/**
 * The file paths a commit may write: every path git itself would refuse to check out on any
 * platform is refused here, before any request. A path GitHub accepts today can still be a
 * `.git/config` on the machine of whoever clones the repository: NTFS drops trailing dots and
 * spaces and has 8.3 short names and alternate streams, HFS+ ignores some invisible code points,
 * and Windows treats `\` as a separator. Ported from git's `verify_path` (read-cache.c) with
 * `core.protectNTFS` and `core.protectHFS` on, `is_ntfs_dotgit` / `is_ntfs_dot_generic` (path.c),
 * `is_hfs_dot_generic` (utf8.c) and `is_valid_win32_path` (compat/mingw.c).
 */

/** Longest path accepted (git's PATH_MAX on Linux). */
const MAX_PATH_LENGTH = 4096;

// Code points HFS+ drops when it compares names (git's next_hfs_char), so `.g\u200cit` is `.git`.
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/gu;
// Control characters (a NUL would cut the path short in C), DEL and the Windows separator.
const FORBIDDEN_ANYWHERE = /[\u0000-\u001f\u007f\\]/;
// A UTF-16 half without its other half: not encodable as UTF-8, so GitHub would store U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Characters Windows refuses in a name (`:` also opens an NTFS alternate data stream).
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;
// Device names Windows reserves, whatever extension, stream or trailing spaces follow them.
const WINDOWS_RESERVED = /^(?:aux|con|conin\$|conout\$|nul|prn|com[1-9]|lpt[0-9]) *(?:[.:]|$)/i;

/**
 * Why git would refuse `path` as a tracked file's path on some platform, or undefined when it is a
 * plain repository-relative path every git accepts.
 *
 * @example
 * gitPathProblem("src/app.ts")     // undefined
 * gitPathProblem(".git./config")   // "component '.git.' is '.git' on NTFS (trailing dots and spaces are dropped)"
 */
export function gitPathProblem(path: string): string | undefined {
  if (path === "") return "is empty";
  if (path.length > MAX_PATH_LENGTH) return `is longer than ${MAX_PATH_LENGTH} characters`;
  if (FORBIDDEN_ANYWHERE.test(path)) return "contains a backslash, NUL or another control character";
  if (LONE_SURROGATE.test(path)) return "contains a lone UTF-16 surrogate (not valid UTF-8)";
  for (const component of path.split("/")) {
    const problem = componentProblem(component);
    if (problem !== undefined) return `component ${JSON.stringify(component)} ${problem}`;
  }
  return undefined;
}

function componentProblem(name: string): string | undefined {
  if (name === "") return "is empty (leading, trailing or doubled '/')";
  if (name === "." || name === "..") return "is '.' or '..'";
  if (isNtfsDotGit(name)) return "is '.git' on NTFS (case, trailing dots or spaces, short name GIT~1, or a ':' stream)";
  if (isHfsDot(name, "git")) return "is '.git' on HFS+ (case or ignorable invisible characters)";
  if (isFoldedDot(name, "git")) return "is '.git' once case, width and invisible characters are folded";
  // git refuses these only as symlinks; a regular `.gitmodules` written by an agent still points every
  // clone's `--recurse-submodules` at URLs and paths of its choice, so none is written at all.
  if (isNtfsDotGeneric(name, "gitmodules", "gi7eba") || isHfsDot(name, "gitmodules") || isFoldedDot(name, "gitmodules")) {
    return "is '.gitmodules' (in some spelling): submodule configuration is never written by the connector";
  }
  if (WINDOWS_FORBIDDEN.test(name)) return 'contains one of < > : " | ? * (refused on Windows; \':\' opens an NTFS stream)';
  if (/[. ]$/.test(name)) return "ends with '.' or ' ' (Windows drops them, so it would name another file)";
  if (WINDOWS_RESERVED.test(name)) return "is a reserved Windows device name (AUX, CON, NUL, PRN, COM1-9, LPT0-9…)";
  return undefined;
}

/** git's is_ntfs_dotgit: `.git` or `git~1`, any case, then only dots/spaces up to the end or a `:`. */
function isNtfsDotGit(name: string): boolean {
  const match = /^(?:\.git|git~1)(.*)$/is.exec(name);
  return match !== null && onlySpacesAndPeriodsToEnd(match[1] ?? "");
}

/**
 * git's is_ntfs_dot_generic: `.<needle>` (any case) then only dots/spaces; or the 8.3 short name
 * `<needle's first 6>~1`…`~4`; or the fallback short name `<hash prefix>~<digits>`.
 */
function isNtfsDotGeneric(name: string, needle: string, shortPrefix: string): boolean {
  const lower = name.toLowerCase();
  if (lower.startsWith(`.${needle}`)) {
    return onlySpacesAndPeriodsToEnd(name.slice(needle.length + 1));
  }
  if (lower.startsWith(needle.slice(0, 6)) && /^~[1-4]/.test(name.slice(6, 8))) {
    return onlySpacesAndPeriodsToEnd(name.slice(8));
  }
  // The fallback short name: up to 6 characters of git's hash prefix, `~`, then digits, 8 in all.
  const short = /^([\x00-\x7d\x7f]{0,6})~[1-9][0-9]*$/.exec(name.slice(0, 8));
  if (name.length < 8 || short === null || !shortPrefix.startsWith((short[1] ?? "").toLowerCase())) return false;
  return onlySpacesAndPeriodsToEnd(name.slice(8));
}

// What follows the name: only spaces and periods, then the end or an NTFS stream (`:`).
function onlySpacesAndPeriodsToEnd(rest: string): boolean {
  return /^[. ]*(?::.*)?$/s.test(rest);
}

/** git's is_hfs_dot_generic: `.<needle>` in ASCII, any case, once HFS+'s ignorable code points are dropped. */
function isHfsDot(name: string, needle: string): boolean {
  return name.replace(HFS_IGNORABLE, "").toLowerCase() === `.${needle}`;
}

/**
 * Beyond git: the name folded the way a case- and width-insensitive file system or reviewer might
 * (NFKC, lower case, every invisible format character dropped, trailing dots and spaces dropped).
 * Refusing these costs nothing and leaves no spelling of `.git` to argue about.
 */
function isFoldedDot(name: string, needle: string): boolean {
  const folded = name
    .normalize("NFKC")
    .replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu, "")
    .toLowerCase()
    .replace(/[. ]+$/, "");
  return folded === `.${needle}`;
}
