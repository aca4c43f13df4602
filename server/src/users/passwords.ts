// Password hashing with Argon2id (memory-hard; @node-rs/argon2 defaults: 19 MiB, t=2, p=1,
// the OWASP baseline). Verification of an unknown user still runs one hash, so response time
// does not tell whether an email has an account.
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 8;

export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

let dummyHash: Promise<string> | undefined;

/** True when `password` matches `passwordHash`; false (after equal work) when there is no hash. */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    dummyHash ??= hash(randomBytes(16).toString('hex'));
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
