// Sentry's message parameterization (grouping.md §8): one combined regex, alternatives tried left
// to right at each position, every match replaced by `<name>`. The order is significant (an email
// wins over its hostname, a 10-digit number is <hex> because int stops at 7 digits).
// Sentry's unbounded runs (`\d+ms`, an email's local part, a hostname's labels, `datetime(.*?)`)
// are bounded here (64 digits, 64 characters, 8 labels, 200 characters): unbounded, each failed
// attempt rescans the rest of the run and a long run of digits or letters costs quadratic time.

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const DAY = '(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)';
const ZONE = '(?:UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z])';
const OFFSET = '(?:[+-][0-2]\\d:?[0-5]\\d|Z)';
const DT = '\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d';

const TLDS_UPPER =
  'COM|NET|ORG|JP|DE|UK|FR|BR|IT|RU|ES|ME|GOV|PL|CA|AU|CN|CO|IN|NL|EDU|INFO|EU|CH|ID|AT|KR|CZ|MX|BE|TV|SE|TR|TW|AL|UA|IR|VN|CL|SK|LY|CC|TO|NO|FI|US|PT|DK|AR|HU|TK|GR|IL|NEWS|RO|MY|BIZ|IE|ZA|NZ|SG|EE|TH|IO|XYZ|PE|BG|HK|RS|LT|LINK|PH|CLUB|SI|SITE|MOBI|BY|CAT|WIKI|LA|GA|XXX|CF|HR|NG|JOBS|ONLINE|KZ|UG|GQ|AE|IS|LV|PRO|FM|TIPS|MS|SA|APP';

const IPV4 = '(?:(?:25[0-5]|(?:2[0-4]|1{0,1}[0-9]){0,1}[0-9])\\.){3,3}(?:25[0-5]|(?:2[0-4]|1{0,1}[0-9]){0,1}[0-9])';
const H = '[0-9a-fA-F]{1,4}';
const IPV6 = [
  `(?:${H}:){7,7}${H}`,
  `(?:${H}:){1,7}:`,
  `(?:${H}:){1,6}:${H}`,
  `(?:${H}:){1,5}(?::${H}){1,2}`,
  `(?:${H}:){1,4}(?::${H}){1,3}`,
  `(?:${H}:){1,3}(?::${H}){1,4}`,
  `(?:${H}:){1,2}(?::${H}){1,5}`,
  `${H}:(?:(?::${H}){1,6})`,
  `:(?:(?::${H}){1,7}|:)`,
  'fe80:(?::[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}',
  `::(?:ffff(?::0{1,4}){0,1}:){0,1}${IPV4}`,
  `(?:${H}:){1,4}:${IPV4}\\b`,
].join('|');

const DATE = [
  `${DAY},\\s\\d{1,2}\\s${MONTH}\\s\\d{2,4}\\s\\d{1,2}:\\d{1,2}(?::\\d{1,2})?\\s(?:[-+]\\d{2}[0-5]\\d|${ZONE})`,
  `(?:${DAY}\\s)?${MONTH}\\s[0-3]\\d,\\s\\d{2,4}`,
  `(?:Sun|Sunday|Mon|Monday|Tue|Tuesday|Wed|Wednesday|Thu|Thursday|Fri|Friday|Sat|Saturday),\\s\\d{2}-${MONTH}-\\d{2}\\s\\d{2}:\\d{2}:\\d{2}\\s${ZONE}`,
  '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z?(?:[+-]?\\d{2}:\\d{2})?',
  `${DAY}\\s${MONTH}\\s\\d{2}\\s\\d{4}\\s\\d{2}:\\d{2}:\\d{2}\\sGMT[+-]\\d{4}(?:\\s\\([^)]+\\))?`,
  `${DT}:?[0-5]\\d\\.\\d+${OFFSET}|${DT}:?[0-5]\\d${OFFSET}|${DT}${OFFSET}`,
  `${DT}:?[0-5]\\d\\.\\d+|${DT}:?[0-5]\\d|${DT}`,
  '(?<!\\d)(?:[1-9]|1[0-2]):[0-5]\\d(?::[0-5]\\d)?(?![\\d:])(?:\\s?[aApP][Mm])?',
  '(?<!\\d)(?:0?\\d|1\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?(?![\\d:])',
  '\\d{4}-[01]\\d-[0-3]\\d',
  '[0-2]\\d:[0-5]\\d:[0-5]\\d',
  `\\b(?:${DAY}\\s+)?${MONTH}\\s+\\d{1,2}\\s+\\d{2}:\\d{2}:\\d{2}\\s+\\d{4}`,
  `\\b(?:${DAY},\\s+)?(?:0[1-9]|[1-2]?\\d|3[01])\\s+${MONTH}\\s+(?:19\\d{2}|[2-9]\\d{3})\\s+(?:2[0-3]|[0-1]\\d):[0-5]\\d(?::(?:60|[0-5]\\d))?\\s+(?:[-+]\\d{2}[0-5]\\d|${ZONE})`,
  'datetime.datetime\\(.{0,200}?\\)',
].join('|');

const HEX = [
  '\\b0[xX][0-9a-fA-F]+\\b',
  '(?:\\b|(?<!\\w)-)(?:(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{4,6}|(?=[A-F]*[0-9])(?=[0-9]*[A-F])[0-9A-F]{4,6}|[0-9a-f]{8,128}|[0-9A-F]{8,128})\\b',
].join('|');

/** [name, pattern] in Sentry's order; names become the `<placeholder>`. */
const PATTERNS: ReadonlyArray<readonly [string, string]> = [
  ['email', "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*"],
  ['url', '\\b(?:wss?|https?|ftp)://[^\\s/$.?#].[^\\s]*'],
  ['hostname', `\\b(?:[a-zA-Z0-9\\-]{1,63}\\.){1,8}?(?:(?:${TLDS_UPPER})|(?:${TLDS_UPPER.toLowerCase()}))\\b`],
  ['ip', `(?<![0-9a-zA-Z_])(?:${IPV6})(?![0-9a-zA-Z])|\\b${IPV4}\\b`],
  ['traceparent', '\\b00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\\b|\\b1-[0-9a-f]{8}-[0-9a-f]{24}\\b'],
  ['uuid', '\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b'],
  ['sha1', '\\b[0-9a-fA-F]{40}\\b'],
  ['md5', '\\b[0-9a-fA-F]{32}\\b'],
  ['date', DATE],
  ['duration', '\\b\\d{1,64}ms|\\d{1,64}(?:\\.\\d+)?s\\b'],
  ['swift_txn_id', '\\btx[0-9a-f]{21}-[0-9a-f]{10}\\S*'],
  ['hex', HEX],
  ['git_sha', '\\b(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{7}\\b'],
  ['float', '-\\d{1,64}\\.\\d+\\b|\\b\\d{1,64}\\.\\d+\\b'],
  ['int', '(?:\\b|(?<!\\w)-)\\d{1,7}\\b'],
  ['quoted_str', `(?<==)(?:'[^']+'|"[^"]+")`],
  ['bool', '(?<==)(?:True|true|False|false)'],
];

const COMBINED = new RegExp(PATTERNS.map(([name, pattern]) => `(?<${name}>${pattern})`).join('|'), 'g');

/**
 * Longest text parameterized: events are trimmed to this in normalization already (Relay's
 * max_chars), so only direct callers meet the cut, which keeps one call within milliseconds.
 */
export const MAX_PARAMETERIZE_CHARS = 8192;

/** Replace variable parts (numbers, ids, dates, urls …) with `<kind>` placeholders. */
export function parameterize(input: string): string {
  const text = input.length > MAX_PARAMETERIZE_CHARS ? input.slice(0, MAX_PARAMETERIZE_CHARS) : input;
  return text.replace(COMBINED, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    for (const [name] of PATTERNS) if (groups[name] !== undefined) return `<${name}>`;
    return String(args[0]);
  });
}

// Python's str.splitlines() boundaries.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

export function splitLines(text: string): string[] {
  const lines = text.split(LINE_BREAK);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Sentry's message normalization: keep the first two non-empty lines (appending "..." when anything
 * was cut, a quirk kept for hash parity), then parameterize.
 */
export function normalizeMessage(message: string): string {
  let trimmed = splitLines(message)
    .filter((line) => line.trim() !== '')
    .slice(0, 2)
    .join('\n');
  if (trimmed !== message) trimmed += '...';
  return parameterize(trimmed);
}
