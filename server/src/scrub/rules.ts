// Data scrubbing rules: which settings a project can choose (Sentry's project options
// dataScrubber, dataScrubberDefaults, sensitiveFields, safeFields, scrubIPAddresses), the
// built-in sensitive key names, and compiling both into the ScrubRules scrubEvent applies.
import { z } from 'zod';

/** What replaces a scrubbed value (Sentry's marker, so SDK users recognize it). */
export const FILTERED = '[Filtered]';

/**
 * Key names whose values are always secret, matched as substrings of the key lowercased with
 * `-`, `_`, `.` and spaces removed: `X-Api-Key`, `api_key` and `apiKey` all match `apikey`.
 * Broad on purpose (`auth` also hits `author`): a false positive hides a value, a false
 * negative stores a secret.
 */
export const DEFAULT_SENSITIVE_KEYS = [
  'password',
  'passwd',
  'passphrase',
  'mysqlpwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'auth',
  'credential',
  'privatekey',
  'session',
  'cookie',
  'csrf',
  'xsrf',
  'jwt',
  'bearer',
  'creditcard',
  'cardnumber',
  'ccnumber',
  'cvv',
  'cvc',
] as const;

/** Headers that carry the client's address; dropped with the IP-address option. */
export const IP_HEADERS = [
  'x-forwarded-for',
  'x-real-ip',
  'forwarded',
  'cf-connecting-ip',
  'true-client-ip',
  'x-client-ip',
  'x-sentry-forwarded-for',
];

/** A project's own choices (projects.settings.scrubbing); absent fields follow the server defaults. */
export const projectScrubSettingsSchema = z.object({
  dataScrubber: z.boolean().optional(),
  dataScrubberDefaults: z.boolean().optional(),
  sensitiveFields: z.array(z.string().trim().min(1).max(100)).max(200).optional(),
  safeFields: z.array(z.string().trim().min(1).max(100)).max(200).optional(),
  scrubIPAddresses: z.boolean().optional(),
});
export type ProjectScrubSettings = z.infer<typeof projectScrubSettingsSchema>;

/** SCRUB_DEFAULTS / SCRUB_IP_ADDRESSES. */
export interface ServerScrubDefaults {
  defaults: boolean;
  ipAddresses: boolean;
}

/** The effective settings, as the API shows them. */
export interface EffectiveScrubSettings {
  dataScrubber: boolean;
  dataScrubberDefaults: boolean;
  sensitiveFields: string[];
  safeFields: string[];
  scrubIPAddresses: boolean;
}

export interface ScrubRules {
  /** Key and value rules on (the data scrubber); the IP option works either way. */
  enabled: boolean;
  /** The built-in value patterns (cards, keys, tokens) and built-in key names apply. */
  useDefaults: boolean;
  /** Normalized sensitive key fragments (built-in ones included when useDefaults). */
  sensitiveKeys: string[];
  /** Normalized keys that are never scrubbed, nor anything below them. */
  safeKeys: Set<string>;
  scrubIpAddresses: boolean;
}

export function effectiveScrubSettings(
  project: ProjectScrubSettings | null,
  server: ServerScrubDefaults,
): EffectiveScrubSettings {
  return {
    dataScrubber: project?.dataScrubber ?? server.defaults,
    dataScrubberDefaults: project?.dataScrubberDefaults ?? true,
    sensitiveFields: project?.sensitiveFields ?? [],
    safeFields: project?.safeFields ?? [],
    scrubIPAddresses: project?.scrubIPAddresses ?? server.ipAddresses,
  };
}

export function compileScrubRules(s: EffectiveScrubSettings): ScrubRules {
  const own = s.sensitiveFields.map(normalizeKey).filter((k) => k !== '');
  return {
    enabled: s.dataScrubber,
    useDefaults: s.dataScrubberDefaults,
    sensitiveKeys: s.dataScrubberDefaults ? [...DEFAULT_SENSITIVE_KEYS, ...own] : own,
    safeKeys: new Set(s.safeFields.map(normalizeKey)),
    scrubIpAddresses: s.scrubIPAddresses,
  };
}

/** The rules a project gets without settings of its own and with the server defaults on. */
export const DEFAULT_SCRUB_RULES: ScrubRules = compileScrubRules(
  effectiveScrubSettings(null, { defaults: true, ipAddresses: false }),
);

export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_. ]/g, '');
}

/** How the rules treat a key: never scrubbed (safe, nor anything below it), filtered, or plain. */
export type KeyClass = 'safe' | 'sensitive' | 'plain';

/**
 * Keys classified per rules object (the pipeline keeps one per project): events repeat the same
 * few hundred keys, and normalizing and matching each against every sensitive fragment was the
 * scrub stage's largest cost. Bounded: cleared when full.
 */
const keyClasses = new WeakMap<ScrubRules, Map<string, KeyClass>>();
const KEY_CLASSES_MAX = 4_096;

export function classifyKey(key: string, rules: ScrubRules): KeyClass {
  let memo = keyClasses.get(rules);
  if (!memo) keyClasses.set(rules, (memo = new Map()));
  let c = memo.get(key);
  if (c === undefined) {
    const k = normalizeKey(key);
    c = rules.safeKeys.has(k) ? 'safe' : rules.sensitiveKeys.some((s) => k.includes(s)) ? 'sensitive' : 'plain';
    if (memo.size >= KEY_CLASSES_MAX) memo.clear();
    memo.set(key, c);
  }
  return c;
}

export function isSensitiveKey(key: string, rules: ScrubRules): boolean {
  return classifyKey(key, rules) === 'sensitive';
}
