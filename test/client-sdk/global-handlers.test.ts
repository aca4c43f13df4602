import { describe, expect, it } from 'vitest';
import { unhandledRejectionsMode } from '../../client-sdk/src/index.js';

describe('unhandledRejectionsMode', () => {
  it.each([
    [[], '', 'throw'],
    [['--unhandled-rejections=warn'], '', 'warn'],
    [[], '--max-old-space-size=512 --unhandled-rejections=strict', 'strict'],
    [['--unhandled-rejections=none'], '--unhandled-rejections=strict', 'none'],
    [['--import', 'tsx'], '', 'throw'],
  ])('execArgv %j with NODE_OPTIONS %j → %s', (execArgv, nodeOptions, mode) => {
    expect(unhandledRejectionsMode(execArgv, nodeOptions)).toBe(mode);
  });
});
