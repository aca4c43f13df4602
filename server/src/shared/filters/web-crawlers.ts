// Filter "web-crawlers": events whose request User-Agent belongs to a known crawler, uptime
// checker or link-preview bot (the list Sentry documents); Slackbot 1.x link unfurls are kept.
import { userAgent } from './event-fields.js';
import type { InboundFilter } from './settings.js';

const CRAWLERS = new RegExp(
  [
    'Mediapartners-Google',
    'AdsBot-Google',
    'Googlebot',
    'FeedFetcher-Google',
    'BingBot',
    'BingPreview',
    'Baiduspider',
    'Slurp',
    'Sogou',
    'facebook',
    'ia_archiver',
    'bots?[/\\s);]',
    'spider[/\\s);]',
    'Slack',
    'Calypso AppCrawler',
    'pingdom',
    'lyticsbot',
    'AWS Security Scanner',
    'HubSpot Crawler',
    'Bytespider',
    'Better Uptime',
  ].join('|'),
  'i',
);
const ALLOWED = /Slackbot 1\.\d+/i;
const MAX_UA_CHARS = 2048;

export const webCrawlers: InboundFilter = (event, settings) => {
  if (!settings.webCrawlers) return null;
  const ua = userAgent(event)?.slice(0, MAX_UA_CHARS);
  if (ua === undefined) return null;
  return CRAWLERS.test(ua) && !ALLOWED.test(ua) ? 'web-crawlers' : null;
};
