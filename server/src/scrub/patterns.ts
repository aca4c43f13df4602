// Value patterns the data scrubber removes from any string, whatever its key: payment card
// numbers (Luhn-checked), private keys, credentials in URLs and auth schemes, `key=value` and
// `"key": "value"` pairs with a sensitive key, and well-known API token formats. Pure.
import { FILTERED, isSensitiveKey, type ScrubRules } from './rules.js';

/** 13-19 digits, optionally split by single spaces or dashes, not inside a longer digit run. */
const CARD_RE = /(?<![\d])(?<!\d[ -])[2-6](?:[ -]?\d){12,18}(?![\d])(?![ -]\d)/g;
const PEM_RE = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
const AUTH_SCHEME_RE = /\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const URL_PASSWORD_RE = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@/\s]+@/gi;
const KV_RE = /([A-Za-z][A-Za-z0-9_.-]{0,63})=([^&;\s,"']+)/g;
const JSON_PAIR_RE = /"([^"\\]{1,64})"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;

/**
 * Token formats with a recognizable shape: AWS access key ids, GitHub, GitLab, Slack, Stripe,
 * Google keys, JWTs. One alternation, so each string is scanned once rather than once per format.
 */
const TOKENS_RE = new RegExp(
  [
    /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
    /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/,
    /\bglpat-[A-Za-z0-9_-]{20,}/,
    /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
    /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b/,
    /\bAIza[0-9A-Za-z_-]{35}\b/,
    /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  ]
    .map((re) => `(?:${re.source})`)
    .join('|'),
  'g',
);

const MIN_SCANNED_LENGTH = 8; // no pattern above matches anything shorter

export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A card number written as a JSON number (13-19 digits, Luhn-valid). */
export function isCardNumber(n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 1e12) return false;
  const s = String(n);
  return s.length >= 13 && s.length <= 19 && /^[2-6]/.test(s) && isLuhnValid(s);
}

/**
 * Scrubbed strings per rules object, like rules.ts keyClasses: events repeat the same context
 * values, breadcrumb messages and URLs, and a lookup costs one hash of the string instead of a
 * scan per pattern. Only short strings are kept, and the memo is cleared when full (bounded memory).
 */
const scrubbed = new WeakMap<ScrubRules, Map<string, string>>();
const SCRUBBED_MAX = 4_096;
const SCRUBBED_MAX_CHARS = 512;

/** The string with every secret-looking part replaced by [Filtered]. */
export function scrubString(value: string, rules: ScrubRules): string {
  if (value.length < MIN_SCANNED_LENGTH || value === FILTERED) return value;
  if (value.length > SCRUBBED_MAX_CHARS) return scanString(value, rules);
  let memo = scrubbed.get(rules);
  if (!memo) scrubbed.set(rules, (memo = new Map()));
  let out = memo.get(value);
  if (out === undefined) {
    out = scanString(value, rules);
    if (memo.size >= SCRUBBED_MAX) memo.clear();
    memo.set(value, out);
  }
  return out;
}

function scanString(value: string, rules: ScrubRules): string {
  let s = value;
  if (rules.useDefaults) s = scrubBuiltinPatterns(s);
  if (rules.sensitiveKeys.length === 0) return s;
  if (s.includes('='))
    s = s.replace(KV_RE, (m, key: string) => (isSensitiveKey(key, rules) ? `${key}=${FILTERED}` : m));
  if (s.includes('"')) {
    s = s.replace(JSON_PAIR_RE, (m, key: string, colon: string) =>
      isSensitiveKey(key, rules) ? `"${key}"${colon}"${FILTERED}"` : m,
    );
  }
  return s;
}

function scrubBuiltinPatterns(value: string): string {
  let s = value;
  if (/\d/.test(s)) s = s.replace(CARD_RE, (m) => (isLuhnValid(m.replace(/[ -]/g, '')) ? FILTERED : m));
  if (s.includes('PRIVATE KEY-----')) s = s.replace(PEM_RE, FILTERED);
  s = s.replace(AUTH_SCHEME_RE, (_m, scheme: string) => `${scheme} ${FILTERED}`);
  if (s.includes('://')) s = s.replace(URL_PASSWORD_RE, (_m, head: string) => `${head}:${FILTERED}@`);
  s = s.replace(TOKENS_RE, FILTERED);
  return s;
}
