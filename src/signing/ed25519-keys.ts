import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { ConfigurationError } from "../errors.js";

/** An Ed25519 key as callers hand it over: a `KeyObject`, or its PEM text. */
export type Ed25519KeyInput = KeyObject | string;

/** The client option `signingKey`: an Ed25519 private key and the id receipts name it by. */
export interface SigningKey {
  privateKey: Ed25519KeyInput;
  /** Written into every receipt (signed): verifiers pick the public key by it. 1 to 128 printable ASCII characters. */
  keyId: string;
}

/** Key ids are names in files, flags and JSON: printable ASCII, no spaces, not too long. */
const KEY_ID = /^[\x21-\x7e]{1,128}$/;

/** True when `keyId` is an acceptable key id. */
export function isKeyId(keyId: unknown): keyId is string {
  return typeof keyId === "string" && KEY_ID.test(keyId);
}

/** The private key as a KeyObject; ConfigurationError when it is not an Ed25519 private key. */
export function ed25519PrivateKey(input: Ed25519KeyInput): KeyObject {
  let key: KeyObject;
  try {
    key = typeof input === "string" ? createPrivateKey(input) : input;
  } catch (error) {
    throw new ConfigurationError(`signingKey.privateKey is not a readable private key (${(error as Error).message}). Pass a KeyObject or PEM text (openssl genpkey -algorithm ed25519).`);
  }
  if (key?.type !== "private" || key.asymmetricKeyType !== "ed25519") {
    throw new ConfigurationError("signingKey.privateKey must be an Ed25519 private key (openssl genpkey -algorithm ed25519 -out enact-signing.pem).");
  }
  return key;
}

/**
 * The public key of `input` (a public key, or a private key whose public half is meant), or
 * undefined when it is not an Ed25519 key. Never throws.
 */
export function ed25519PublicKey(input: unknown): KeyObject | undefined {
  try {
    let key: KeyObject;
    if (typeof input === "string") key = createPublicKey(input);
    else if (typeof input === "object" && input !== null && (input as KeyObject).type === "private") key = createPublicKey(input as KeyObject);
    else key = input as KeyObject;
    return key?.type === "public" && key.asymmetricKeyType === "ed25519" ? key : undefined;
  } catch {
    return undefined;
  }
}
