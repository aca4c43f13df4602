// The shapes an event takes between pipeline steps: a draft (filled in by the per-event steps),
// prepared (per-event steps done), assigned to an issue (group), and stored (committed; what
// publish receives).
import type { EventSummary, GroupingResult } from '../grouping/index.js';
import type { NormalizedEvent } from '../shared/protocol/event.js';
import type { EventJob } from '../shared/queues.js';
import type { FilterInput } from './filter.js';
import type { ScrubInput } from './scrub.js';
import type { GroupingCache } from './grouping-cache.js';

/** After normalize → fingerprint → tag: everything the batch transaction needs, no I/O yet. */
export interface PreparedEvent {
  projectId: string;
  eventId: string;
  receivedAt: number; // ms since epoch
  event: NormalizedEvent;
  grouping: GroupingResult;
  summary: EventSummary;
  /** Derived + own tags, the set the event is counted under (also stored as event.tags). */
  tags: Array<[string, string]>;
  userKey: string | undefined;
  /** Feature-flag evaluations (flag, result as text), counted per issue and project. */
  flags?: Array<[string, string]>;
  /** Its rank in its issue's minute (the "rank" step; spike protection), when ranked. */
  spikeRank?: number;
}

/** An event job while the per-event steps run: each step fills in what the next ones read. */
export interface EventDraft extends Partial<Omit<PreparedEvent, 'projectId' | 'eventId' | 'receivedAt'>> {
  projectId: string;
  eventId: string;
  receivedAt: number;
  job: EventJob;
  /** The parsed JSON, until normalize replaces it with `event`. */
  raw?: unknown;
  /** The project's settings, from the load-settings step (absent: defaults, no filters). */
  scrubbing?: ScrubInput;
  filters?: FilterInput;
  /** The worker's grouping cache, handed out by load-settings (absent: grouping is computed). */
  groupingCache?: GroupingCache;
}

/** A prepared event with the issue the group stage found or created for it. */
export interface AssignedEvent extends PreparedEvent {
  issueId: string;
  /** This event created its issue (first event of a new issue). */
  isNewIssue: boolean;
}

/** A committed, newly stored event (duplicates are not published). */
export interface StoredEvent {
  projectId: string;
  eventId: string;
  issueId: string;
  timestamp: number; // seconds since epoch
  title: string;
  level: string;
  release: string | null;
  environment: string | null;
  isNewIssue: boolean;
  /** The event reopened a resolved issue. */
  isRegression: boolean;
  /** When ingest accepted it (ms since epoch): the live stream measures lag from here. */
  receivedAt?: number;
  serverName?: string | null;
  /** Derived + own tags (alert rules filter on them) and the counted user (user-frequency alerts). */
  tags?: Array<[string, string]>;
  userKey?: string | null;
}
