// The counts of the UDP ingest listener (ingest/src/udp.ts): it keeps them, /metrics reads them
// when scraped (metrics/udp.ts).
import type { DropReason } from './outcomes/outcomes.js';

export type UdpDropReason = DropReason | 'overloaded';

export interface UdpStats {
  received: number;
  accepted: number;
  dropped: Partial<Record<UdpDropReason, number>>;
  /** Datagrams in the backlog or in accept() right now. */
  pending: number;
}
