import { describe, expect, it } from 'vitest';
import { eventContent, type AlertContent } from '../../../server/src/alerts/content.js';
import { renderEmail, renderSlack, renderWebhook } from '../../../server/src/alerts/render.js';

const alert = (over: Partial<AlertContent> = {}): AlertContent => ({
  ruleId: '1',
  ruleName: 'On-call <pager>',
  reasons: ['a new issue was created'],
  firedAt: '2024-05-01T12:00:00.000Z',
  project: { id: '1', slug: 'shop', name: 'Shop' },
  organization: { slug: 'acme' },
  issue: {
    id: '7',
    shortId: 'SHOP-7',
    title: 'TypeError: <script>alert("x")</script> & more',
    culprit: 'pay.js',
    level: 'error',
    status: 'unresolved',
    count: 3,
    userCount: 2,
    firstSeen: '2024-05-01T11:00:00.000Z',
    lastSeen: '2024-05-01T12:00:00.000Z',
    url: 'http://faultline.test/organizations/acme/issues/7/',
  },
  event: {
    id: 'e1',
    environment: 'production',
    release: 'shop@1',
    errorType: 'TypeError',
    errorValue: 'x is undefined',
    frames: ['chargeCard (pay.js:12:5)'],
  },
  deploy: null,
  ...over,
});

describe('renderEmail', () => {
  it('puts project, level and title in the subject and escapes the HTML body', () => {
    const email = renderEmail([alert()], 'http://faultline.test');
    expect(email.subject).toBe('[Faultline] shop ERROR: TypeError: <script>alert("x")</script> & more');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('TypeError: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(email.html).toContain('On-call &lt;pager&gt;');
    expect(email.text).toContain('at chargeCard (pay.js:12:5)');
    expect(email.text).toContain('Events: 3\nUsers: 2\nRelease: shop@1\nEnvironment: production');
    expect(email.text).toContain('Open the issue: http://faultline.test/organizations/acme/issues/7/');
  });

  it.each([
    [
      'a title with a line break',
      'Boom\r\nBcc: victim@example.com',
      '[Faultline] shop ERROR: Boom Bcc: victim@example.com',
    ],
    ['a very long title', 'x'.repeat(400), `[Faultline] shop ERROR: ${'x'.repeat(149)}…`],
  ])('keeps the subject on one line for %s', (_name, title, subject) => {
    expect(renderEmail([alert({ issue: { ...alert().issue!, title } })], '').subject).toBe(subject);
  });

  it('bundles several alerts into one digest, grouped by deploy', () => {
    const deploy = { id: 'd1', environment: 'production', release: 'shop@2', verdict: null, evidence: [] };
    const email = renderEmail(
      [alert(), alert({ deploy }), alert({ deploy, project: { id: '2', slug: 'api', name: 'API' } })],
      '',
    );
    expect(email.subject).toMatch(/^\[Faultline\] 3 alerts in shop, api: /);
    expect(email.text.startsWith('3 alerts\n')).toBe(true);
    expect(email.text).toContain('== deploy of shop@2 to production ==');
    expect(email.text.split('---')).toHaveLength(3);
  });

  it('describes a failing deploy without an issue', () => {
    const email = renderEmail(
      [
        alert({
          issue: null,
          event: null,
          deploy: {
            id: 'd1',
            environment: 'production',
            release: 'shop@2',
            verdict: 'failing',
            evidence: ['error rate 4x the baseline'],
          },
        }),
      ],
      '',
    );
    expect(email.subject).toBe('[Faultline] shop: deploy of shop@2 to production is failing');
    expect(email.text).toContain('  - error rate 4x the baseline');
  });
});

describe('renderSlack and renderWebhook', () => {
  it('links the issue title in Slack mrkdwn, escaping &, < and >', () => {
    expect(renderSlack(alert()).text).toBe(
      '*[shop] ERROR* <http://faultline.test/organizations/acme/issues/7/|TypeError: &lt;script&gt;alert("x")&lt;/script&gt; &amp; more>\n' +
        'Rule "On-call &lt;pager&gt;": a new issue was created\n3 events · 2 users · shop@1 · production',
    );
  });
  it('gives webhooks the whole snapshot', () => {
    expect(renderWebhook(alert())).toMatchObject({
      version: 1,
      action: 'triggered',
      rule: { id: '1' },
      issue: { id: '7' },
      url: alert().issue!.url,
    });
  });
});

describe('eventContent', () => {
  it.each([
    [
      'the newest in-app frames of the main (last) exception',
      {
        exception: {
          values: [
            { type: 'Cause', value: 'inner', stacktrace: { frames: [{ function: 'inner', in_app: true }] } },
            {
              type: 'TypeError',
              value: 'outer',
              stacktrace: {
                frames: [
                  { function: 'main', filename: 'a.js', lineno: 1, in_app: true },
                  { function: 'lib', filename: 'node_modules/x.js', in_app: false },
                  { function: 'handler', filename: 'b.js', lineno: 2, colno: 3, in_app: true },
                ],
              },
            },
          ],
        },
      },
      'TypeError',
      'outer',
      ['handler (b.js:2:3)', 'main (a.js:1)'],
    ],
    [
      'all frames when none is in-app',
      { exception: { values: [{ type: 'E', stacktrace: { frames: [{ function: 'f', module: 'm' }] } }] } },
      'E',
      null,
      ['f (m)'],
    ],
    ['a message event', { logentry: { formatted: 'Payment 12 failed' } }, null, 'Payment 12 failed', []],
  ])('%s', (_name, payload, type, value, frames) => {
    const c = eventContent('e1', payload, { environment: null, release: null });
    expect([c.errorType, c.errorValue, c.frames]).toEqual([type, value, frames]);
  });
});
