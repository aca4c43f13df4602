// Slack-compatible incoming webhook channel (Slack, Mattermost, Rocket.Chat): {"text": ...}.
import type { SafeHttpOptions } from '../safe-http.js';
import type { AlertContent } from '../content.js';
import { renderSlack } from '../render.js';
import { postJson } from './http-post.js';

export async function sendSlack(url: string, alert: AlertContent, opts: SafeHttpOptions): Promise<string> {
  return postJson(url, JSON.stringify(renderSlack(alert)), {}, opts);
}
