// A small User-Agent reader for the legacy-browsers filter: only the browser families and major
// versions that filter distinguishes (IE, Edge, Opera, Opera Mini, Android stock browser,
// Safari, Firefox, Chrome). Anything else is null (never filtered). Pure.

export type BrowserFamily = 'IE' | 'Edge' | 'Opera' | 'Opera Mini' | 'Android' | 'Safari' | 'Firefox' | 'Chrome';

export interface Browser {
  family: BrowserFamily;
  major: number;
}

const MAX_UA_CHARS = 1024;

/** Ordered: the more specific engines first (Opera and Edge also claim Chrome and Safari). */
const RULES: Array<[BrowserFamily, RegExp]> = [
  ['Opera Mini', /Opera Mini\/(\d+)/],
  ['Opera', /\bOPR\/(\d+)/],
  ['Opera', /^Opera\/9\.80\b.*\bVersion\/(\d+)/],
  ['Opera', /^Opera[/ ](\d+)/],
  ['Edge', /\bEdge?\/(\d+)/],
  ['Edge', /\bEdg[AaIi]?\/(\d+)/],
  ['IE', /\bMSIE (\d+)/],
  ['IE', /\bTrident\/\d+.*\brv:(\d+)/],
  ['Firefox', /\bFirefox\/(\d+)/],
  ['Chrome', /\b(?:Chrome|CriOS)\/(\d+)/],
  ['Android', /\bAndroid (\d+)(?:[.;)]).*\bVersion\/\d+.*Safari\//],
  ['Safari', /\bVersion\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//],
];

export function parseBrowser(userAgent: string): Browser | null {
  const ua = userAgent.slice(0, MAX_UA_CHARS);
  for (const [family, re] of RULES) {
    const m = re.exec(ua);
    if (m) return { family, major: Number(m[1]) };
  }
  return null;
}
