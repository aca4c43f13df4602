// Pure single sign-on rules (no I/O, no clock): parsing the role mapping, which organizations
// and roles a user's claims grant, whether an e-mail's domain is allowed, and which return
// paths are safe to follow after login (same-origin paths only: no open redirects).
import type { MemberRole } from '../organizations/queries.js';

export interface RoleMappingRule {
  /** A value of the role claim (e.g. a group name), or `*` for every SSO user. */
  value: string;
  org: string;
  role: MemberRole;
}

const ROLES: readonly MemberRole[] = ['member', 'admin', 'owner']; // ascending privilege
const SLUG = /^[a-z0-9][a-z0-9_-]{0,49}$/;
export const MAX_RETURN_PATH_LENGTH = 2048;
/** Claim values looked at per login: a hostile provider cannot make us scan millions. */
const MAX_CLAIM_VALUES = 1000;

/** "group=org:role,..." → rules; throws an Error naming the bad entry. */
export function parseRoleMapping(text: string): RoleMappingRule[] {
  const rules: RoleMappingRule[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = /^([^=]+)=([^:=]+):(owner|admin|member)$/.exec(entry);
    if (!m || !SLUG.test(m[2]!.trim()))
      throw new Error(`bad entry "${entry}": write claimValue=organizationSlug:role (role owner, admin or member)`);
    rules.push({ value: m[1]!.trim(), org: m[2]!.trim(), role: m[3] as MemberRole });
  }
  return rules;
}

/** The claim's values as strings: a string, an array of strings, or nothing. */
export function claimValues(claim: unknown): string[] {
  const list = Array.isArray(claim) ? claim.slice(0, MAX_CLAIM_VALUES) : [claim];
  return list.filter((v): v is string => typeof v === 'string' && v.length <= 256);
}

/** Organization slug → the highest role any matching rule grants. */
export function mapRoles(rules: readonly RoleMappingRule[], values: readonly string[]): Map<string, MemberRole> {
  const have = new Set(values);
  const out = new Map<string, MemberRole>();
  for (const r of rules) {
    if (r.value !== '*' && !have.has(r.value)) continue;
    const prev = out.get(r.org);
    if (!prev || ROLES.indexOf(r.role) > ROLES.indexOf(prev)) out.set(r.org, r.role);
  }
  return out;
}

/** Whether the e-mail's domain is one of `allowed` (exact, case-insensitive); an empty list allows all. */
export function isEmailDomainAllowed(email: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const at = email.lastIndexOf('@');
  if (at < 1) return false;
  return allowed.includes(email.slice(at + 1).toLowerCase());
}

/** A path on this origin to go to after login, or '/' when `next` is anything else. */
export function safeReturnPath(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > MAX_RETURN_PATH_LENGTH) return '/';
  // "//host" and "/\host" are protocol-relative in browsers; control characters can smuggle either.
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  return next;
}
