import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { KeyObject } from "node:crypto";
import { ed25519PublicKey, isKeyId } from "../signing/ed25519-keys.js";
import { CliError, ExitCode } from "./exit-codes.js";

/**
 * The keys of `--public-key` options: `keyId=path`, or `path` alone, whose key id is then the file
 * name without its extension (`keys/prod-2026-12.pem` → `prod-2026-12`). Each file is a PEM
 * Ed25519 public key (a private key is refused: an auditor must never need one). Exit 2 otherwise.
 */
export function readPublicKeys(options: readonly string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const option of options) {
    const equals = option.indexOf("=");
    const path = equals > 0 ? option.slice(equals + 1) : option;
    const keyId = equals > 0 ? option.slice(0, equals) : basename(path, extname(path));
    if (!isKeyId(keyId)) {
      throw new CliError(ExitCode.usage, `--public-key ${JSON.stringify(option)}: the key id ${JSON.stringify(keyId)} must be printable ASCII without spaces; pass keyId=path`);
    }
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new CliError(ExitCode.usage, `--public-key ${JSON.stringify(option)}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
    if (/PRIVATE KEY/.test(text)) {
      throw new CliError(ExitCode.usage, `--public-key ${JSON.stringify(option)}: ${path} holds a private key; give the public key (openssl pkey -in private.pem -pubout)`);
    }
    const key = ed25519PublicKey(text);
    if (key === undefined) throw new CliError(ExitCode.usage, `--public-key ${JSON.stringify(option)}: ${path} is not a PEM Ed25519 public key`);
    if (keys.has(keyId)) throw new CliError(ExitCode.usage, `--public-key: key id ${JSON.stringify(keyId)} is given twice`);
    keys.set(keyId, key);
  }
  return keys;
}
