// The legacy /store/ body: plain, base64 and base64+zlib JSON, and the event id it carries.
import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { parseStoreBody } from '../../ingest/src/store-body.js';

const ID = '9ec79c33ec9942ab8353589fcb2e04dc';
const json = `{"event_id":"${ID}","message":"hi"}`;
const parse = (body: string | Buffer, contentEncoded = false, limit = 1 << 20) =>
  parseStoreBody(typeof body === 'string' ? Buffer.from(body) : body, { limit, contentEncoded });

describe('parseStoreBody', () => {
  it.each([
    ['plain JSON', json],
    ['JSON with leading whitespace', `\n ${json}`],
    ['base64 JSON', Buffer.from(json).toString('base64')],
    [
      'base64 JSON with line breaks',
      Buffer.from(json)
        .toString('base64')
        .replace(/(.{10})/g, '$1\n'),
    ],
    ['base64url JSON', Buffer.from(json).toString('base64url')],
    ['base64 zlib JSON', deflateSync(Buffer.from(json)).toString('base64')],
  ])('reads %s', (_name, body) => {
    expect(parse(body)).toEqual({ ok: true, eventId: ID, payload: body.startsWith('\n') ? body : json });
  });

  it.each([
    ['a hyphenated id', '9ec79c33-ec99-42ab-8353-589fcb2e04dc', ID],
    ['no id', undefined, null],
    ['a null id', null, null],
    ['the nil UUID', '00000000-0000-0000-0000-000000000000', null],
  ])('normalizes %s', (_name, id, expected) => {
    const body = JSON.stringify(id === undefined ? { message: 'x' } : { event_id: id });
    expect(parse(body)).toMatchObject({ ok: true, eventId: expected });
  });

  it.each([
    ['an empty body', '', 400, 'empty request body', undefined],
    ['invalid JSON', '{"a":', 400, 'invalid request body', undefined],
    ['a JSON array when compressed', '[1]', 400, 'invalid request body', ['the event must be a JSON object']],
    ['not base64', '***', 400, 'invalid request body', ['body is neither JSON nor base64']],
    [
      'base64 of garbage',
      Buffer.from('garbage').toString('base64'),
      400,
      'invalid request body',
      ['zlib: incorrect header check'],
    ],
    [
      'an invalid event id',
      `{"event_id":"nope"}`,
      400,
      'invalid request body',
      ['invalid value for `event_id`: expected a UUID'],
    ],
    [
      'nesting over 128',
      `{"a":${'['.repeat(128)}${']'.repeat(128)}}`,
      400,
      'invalid request body',
      ['recursion limit exceeded'],
    ],
  ])('rejects %s', (_name, body, status, detail, causes) => {
    const r = parse(body, body === '[1]');
    expect(r).toMatchObject({ ok: false, status, detail });
    if (causes) expect(r).toMatchObject({ causes });
  });

  it('bounds base64+zlib inflation by the limit (413)', () => {
    const bomb = deflateSync(Buffer.from(`{"a":"${'x'.repeat(100_000)}"}`)).toString('base64');
    expect(parse(bomb, false, 1000)).toMatchObject({ ok: false, status: 413, reason: 'too-large' });
  });
});
