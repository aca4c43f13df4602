// Reading stored events in tests: payloads are compressed in events.payload_z (payload-codec.ts),
// so a test selects `${PAYLOAD_COLUMNS}` instead of `payload` and decodes the rows here.
import { decodePayload, type StoredPayload } from '../../server/src/events/payload-codec.js';

export { PAYLOAD_COLUMNS } from '../../server/src/events/payload-codec.js';

/** The rows with their payload columns replaced by the decoded `payload`. */
export function withPayloads<P = Record<string, unknown>, R extends StoredPayload = StoredPayload>(
  rows: R[],
): Array<Omit<R, keyof StoredPayload> & { payload: P }> {
  return rows.map(({ payloadZ, payloadJson, ...rest }) => ({
    ...rest,
    payload: decodePayload({ payloadZ, payloadJson }) as P,
  }));
}
