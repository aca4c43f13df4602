// When a monitor environment's check-ins open, update or resolve its issue. Pure.
// Failures are error, missed and timeout check-ins; an issue opens after
// failure_issue_threshold failures in a row and resolves after recovery_threshold oks in a row.
export type CheckInStatus = 'in_progress' | 'ok' | 'error' | 'missed' | 'timeout';
export type IncidentStep = 'open' | 'update' | 'resolve' | 'none';

export function isFailure(s: CheckInStatus): boolean {
  return s === 'error' || s === 'missed' || s === 'timeout';
}

/**
 * `recent`: the environment's finished check-ins, newest first (in_progress ones left out),
 * including the one just recorded; `isFailing`: an issue is open for it now.
 */
export function incidentStep(args: {
  recent: CheckInStatus[];
  isFailing: boolean;
  failureThreshold: number;
  recoveryThreshold: number;
}): IncidentStep {
  const [newest] = args.recent;
  if (newest === undefined || newest === 'in_progress') return 'none';
  const run = (n: number, pred: (s: CheckInStatus) => boolean) =>
    args.recent.length >= n && args.recent.slice(0, n).every(pred);
  if (isFailure(newest)) {
    if (args.isFailing) return 'update';
    return run(args.failureThreshold, isFailure) ? 'open' : 'none';
  }
  return args.isFailing && run(args.recoveryThreshold, (s) => s === 'ok') ? 'resolve' : 'none';
}
