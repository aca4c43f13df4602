// CODEOWNERS import, pure: GitHub/GitLab CODEOWNERS text → `codeowners:` ownership rules.
// Owners become what Faultline knows: e-mails stay, `@org/team` becomes `#team`, and `@user`
// handles need an association to a member's e-mail (Sentry maps them through its integration).
// Errors name the CODEOWNERS line; nothing is imported when any line fails.
import type { RuleError } from './rules.js';

export function convertCodeowners(
  text: string,
  associations: Record<string, string>,
): { raw: string; errors: RuleError[] } {
  const out: string[] = [];
  const errors: RuleError[] = [];
  const handles = new Map(Object.entries(associations).map(([k, v]) => [k.toLowerCase().replace(/^@?/, '@'), v]));
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.replace(/\s+#.*$/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#') || /^\[.*\]$/.test(trimmed)) return; // comments, GitLab sections
    const [pattern, ...tokens] = trimmed.split(/\s+/);
    if (tokens.length === 0) return; // "no owner" lines unset ownership in GitHub; nothing to import
    const owners: string[] = [];
    for (const t of tokens) {
      const owner = convertOwner(t, handles);
      if (!owner)
        return void errors.push({
          line: i + 1,
          message: `no member is associated with ${t} (pass it in associations, e.g. {"${t}": "name@example.com"})`,
        });
      owners.push(owner);
    }
    out.push(`codeowners:${pattern} ${[...new Set(owners)].join(' ')}`);
  });
  return { raw: out.join('\n'), errors };
}

function convertOwner(token: string, handles: Map<string, string>): string | null {
  if (!token.startsWith('@')) return token.includes('@') ? token.toLowerCase() : null;
  const mapped = handles.get(token.toLowerCase());
  if (mapped) return mapped;
  const team = /^@[^/\s]+\/([a-z0-9][a-z0-9_-]*)$/i.exec(token);
  return team ? `#${team[1]!.toLowerCase()}` : null;
}
