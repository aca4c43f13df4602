// Pure rendering of alerts: the email (subject, plain text and HTML, one alert or a digest of
// several), the Slack-compatible message and the signed webhook's JSON body.
import type { AlertContent } from './content.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const MAX_SUBJECT_TITLE = 150;

export function renderEmail(items: AlertContent[], baseUrl: string): RenderedEmail {
  const sorted = [...items].sort(
    (a, b) => (a.deploy?.id ?? '').localeCompare(b.deploy?.id ?? '') || a.firedAt.localeCompare(b.firedAt),
  );
  const subject = items.length === 1 ? singleSubject(items[0]!) : digestSubject(sorted);
  const textParts: string[] = [];
  const htmlParts: string[] = [];
  let deploy: string | null = null;
  for (const item of sorted) {
    const heading = items.length > 1 && item.deploy && item.deploy.id !== deploy;
    deploy = item.deploy?.id ?? null;
    textParts.push(`${heading ? `== ${deployLine(item)} ==\n\n` : ''}${itemText(item)}`);
    htmlParts.push(`${heading ? `<h2 style="font-size:16px">${esc(deployLine(item))}</h2>` : ''}${itemHtml(item)}`);
  }
  const footer = `Alert rules and on-call schedules: ${baseUrl}/`;
  return {
    subject,
    text: `${items.length > 1 ? `${items.length} alerts\n\n` : ''}${textParts.join('\n\n---\n\n')}\n\n${footer}\n`,
    html:
      `<!doctype html><html><body style="font-family:sans-serif;color:#222">${htmlParts.join('<hr>')}` +
      `<p style="color:#888;font-size:12px">${esc(footer)}</p></body></html>`,
  };
}

function singleSubject(a: AlertContent): string {
  if (a.issue)
    return oneLine(
      `[Faultline] ${a.project.slug} ${a.issue.level.toUpperCase()}: ${clip(a.issue.title, MAX_SUBJECT_TITLE)}`,
    );
  return oneLine(`[Faultline] ${a.project.slug}: ${deployLine(a)}`);
}

function digestSubject(items: AlertContent[]): string {
  const projects = [...new Set(items.map((i) => i.project.slug))].join(', ');
  const first = items.find((i) => i.issue)?.issue?.title;
  return oneLine(`[Faultline] ${items.length} alerts in ${projects}${first ? `: ${clip(first, 80)} and more` : ''}`);
}

function deployLine(a: AlertContent): string {
  const d = a.deploy;
  if (!d) return '';
  if (d.flag !== undefined) return d.verdict ? `change of flag ${d.flag} is ${d.verdict}` : `change of flag ${d.flag}`;
  const what = `deploy of ${d.release ?? 'unknown release'} to ${d.environment ?? 'any environment'}`;
  return d.verdict ? `${what} is ${d.verdict}` : what;
}

function facts(a: AlertContent): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (a.issue) rows.push(['Issue', `${a.issue.shortId} (${a.issue.status})`], ['Level', a.issue.level]);
  if (a.event?.errorType || a.event?.errorValue)
    rows.push(['Error', [a.event.errorType, a.event.errorValue].filter(Boolean).join(': ')]);
  if (a.issue) rows.push(['Events', String(a.issue.count)], ['Users', String(a.issue.userCount)]);
  rows.push(
    ['Release', a.event?.release ?? a.deploy?.release ?? '(none)'],
    ['Environment', a.event?.environment ?? a.deploy?.environment ?? '(none)'],
  );
  if (a.issue) rows.push(['First seen', a.issue.firstSeen], ['Last seen', a.issue.lastSeen]);
  rows.push(['Rule', `${a.ruleName}: ${a.reasons.join('; ')}`]);
  return rows;
}

function headline(a: AlertContent): string {
  return a.issue ? `${a.project.slug}: ${a.issue.title}` : `${a.project.slug}: ${deployLine(a)}`;
}

function itemText(a: AlertContent): string {
  const lines = [headline(a), ''];
  for (const [k, v] of facts(a)) lines.push(`${k}: ${v}`);
  if (a.event && a.event.frames.length > 0) lines.push('', 'Top frames:', ...a.event.frames.map((f) => `  at ${f}`));
  if (a.deploy && a.deploy.evidence.length > 0) lines.push('', 'Why:', ...a.deploy.evidence.map((e) => `  - ${e}`));
  if (a.suspects && a.suspects.length > 0) lines.push('', 'Suspect commits:', ...a.suspects.map((c) => `  - ${c}`));
  if (a.issue) lines.push('', `Open the issue: ${a.issue.url}`);
  return lines.join('\n');
}

function itemHtml(a: AlertContent): string {
  const title = a.issue ? `<a href="${esc(a.issue.url)}">${esc(headline(a))}</a>` : esc(headline(a));
  const rows = facts(a)
    .map(([k, v]) => `<tr><th align="left" style="padding-right:12px">${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('');
  const frames =
    a.event && a.event.frames.length > 0
      ? `<p><b>Top frames</b></p><pre style="background:#f6f6f6;padding:8px">${a.event.frames.map((f) => `at ${esc(f)}`).join('\n')}</pre>`
      : '';
  const evidence =
    a.deploy && a.deploy.evidence.length > 0
      ? `<ul>${a.deploy.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>`
      : '';
  const link = a.issue ? `<p><a href="${esc(a.issue.url)}">Open the issue</a></p>` : '';
  const suspects =
    a.suspects && a.suspects.length > 0
      ? `<p><b>Suspect commits</b></p><ul>${a.suspects.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>`
      : '';
  return `<h1 style="font-size:18px">${title}</h1><table>${rows}</table>${frames}${evidence}${suspects}${link}`;
}

/** Slack-compatible incoming webhook body: mrkdwn text with the issue title as a link. */
export function renderSlack(a: AlertContent): { text: string } {
  const title = a.issue ? `<${a.issue.url}|${slackEsc(a.issue.title)}>` : slackEsc(deployLine(a));
  const level = a.issue ? ` ${a.issue.level.toUpperCase()}` : '';
  const where = [a.event?.release ?? a.deploy?.release, a.event?.environment ?? a.deploy?.environment]
    .filter(Boolean)
    .join(' · ');
  const counts = a.issue
    ? `\n${a.issue.count} events · ${a.issue.userCount} users${where ? ` · ${slackEsc(where)}` : ''}`
    : '';
  return {
    text: `*[${slackEsc(a.project.slug)}]${level}* ${title}\nRule "${slackEsc(a.ruleName)}": ${slackEsc(a.reasons.join('; '))}${counts}`,
  };
}

/** The signed webhook's body (the signature covers these exact bytes). */
export function renderWebhook(a: AlertContent): Record<string, unknown> {
  return {
    version: 1,
    action: 'triggered',
    rule: { id: a.ruleId, name: a.ruleName },
    reasons: a.reasons,
    firedAt: a.firedAt,
    project: a.project,
    organization: a.organization,
    issue: a.issue,
    event: a.event,
    deploy: a.deploy,
    url: a.issue?.url ?? null,
  };
}

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function slackEsc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ');
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
