// Redis stream entry ids ("<ms>-<seq>") as SSE event ids: validation and ordering. Pure.

const ID = /^(\d{1,20})-(\d{1,20})$/;

export function isStreamId(value: string): boolean {
  return ID.test(value);
}

/** Negative when a < b, 0 when equal, positive when a > b. Both must be valid ids. */
export function compareStreamIds(a: string, b: string): number {
  const ma = ID.exec(a);
  const mb = ID.exec(b);
  if (!ma || !mb) throw new Error(`not a stream id: ${ma ? b : a}`);
  const ms = BigInt(ma[1]!) - BigInt(mb[1]!);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(ma[2]!) - BigInt(mb[2]!);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}
