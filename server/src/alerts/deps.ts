// What the alerts module needs from the entrypoint's dependencies (the pipeline passes a subset).
import type { Deps } from '../deps.js';

export type AlertDeps = Pick<Deps, 'pool' | 'log' | 'redis' | 'config' | 'alerts'>;
