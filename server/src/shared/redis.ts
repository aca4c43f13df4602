// Redis client construction for entrypoints, single node (REDIS_URL) or Redis Cluster
// (REDIS_CLUSTER_NODES). BullMQ needs maxRetriesPerRequest: null on the connections it blocks on;
// request-path clients fail fast instead so ingest can answer 503. Both ingest and the server build
// their clients here; every other module takes a RedisClient and never knows which kind it got.
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';

/** What every Redis user takes: a single-node client or a cluster client (same commands). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: a URL, or cluster seeds (host:port) that replace it when non-empty. */
export interface RedisTarget {
  url: string;
  clusterNodes: string[];
}

const RETRY_DELAY_MS = (times: number) => Math.min(times * 200, 2_000);

export function createRedis(target: string, opts?: RedisOptions): Redis;
export function createRedis(target: RedisTarget, opts?: RedisOptions): RedisClient;
export function createRedis(target: string | RedisTarget, opts: RedisOptions = {}): RedisClient {
  const client =
    typeof target === 'string' || target.clusterNodes.length === 0
      ? new Redis(typeof target === 'string' ? target : target.url, {
          lazyConnect: false,
          enableOfflineQueue: true,
          retryStrategy: RETRY_DELAY_MS,
          ...opts,
        })
      : createCluster(target.clusterNodes, opts);
  // Errors surface on the commands that fail; without a listener ioredis would log them as unhandled.
  client.on('error', () => {});
  return client;
}

function createCluster(seeds: string[], opts: RedisOptions): Cluster {
  // The cluster client owns reconnects and the offline queue; node connections take the rest.
  const { enableOfflineQueue = true, retryStrategy: _retry, ...redisOptions } = opts;
  return new Cluster(seeds.map(parseSeed), {
    enableOfflineQueue,
    clusterRetryStrategy: RETRY_DELAY_MS,
    // A master failover takes the cluster's node timeout plus an election: keep retrying a moved or
    // downed slot for a while (bounded by the caller's own timeout on the request path).
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    maxRedirections: 32,
    slotsRefreshTimeout: 2_000,
    redisOptions,
  });
}

/** "host:port" or "[v6]:port" → a cluster seed. */
export function parseSeed(seed: string): ClusterNode {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(seed.trim());
  if (!m) throw new Error(`bad Redis Cluster seed ${JSON.stringify(seed)}: expected host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * Resolves once `replicas` replicas (at most as many as the node has connected) hold every write
 * this client sent so far to the node that serves `key` (Redis WAIT on that very connection: WAIT
 * counts the caller's own writes). Throws when fewer acknowledge within `timeoutMs`, so a write
 * that a failover could still lose is not confirmed while a replica exists to confirm it. A master
 * left without replicas (its replica took over from it and its old master is not back yet)
 * confirms alone: refusing every event until an operator restarts a node would lose more than it
 * protects; Redis' own `min-replicas-to-write` refuses such writes if that is preferred.
 */
export async function waitForReplicas(
  client: RedisClient,
  key: string,
  replicas: number,
  timeoutMs: number,
): Promise<void> {
  if (replicas <= 0) return;
  const node = isCluster(client) ? await nodeServing(client, key) : client;
  const wanted = Math.min(replicas, await connectedReplicas(node));
  if (wanted === 0) return;
  const acked = Number(await node.call('WAIT', wanted, timeoutMs));
  if (acked < wanted) {
    throw new Error(`only ${acked} of ${wanted} Redis replica(s) acknowledged the write within ${timeoutMs} ms`);
  }
}

const REPLICA_COUNT_TTL_MS = 1_000;
const replicaCounts = new WeakMap<Redis, { at: number; count: Promise<number> }>();

/** The node's connected replicas (INFO replication), looked up at most once a second. */
function connectedReplicas(node: Redis): Promise<number> {
  const cached = replicaCounts.get(node);
  if (cached && Date.now() - cached.at < REPLICA_COUNT_TTL_MS) return cached.count;
  const count = node.info('replication').then((text) => Number(/^connected_slaves:(\d+)/m.exec(text)?.[1] ?? 0));
  replicaCounts.set(node, { at: Date.now(), count });
  count.catch(() => replicaCounts.delete(node));
  return count;
}

const slotOfKey = new Map<string, number>();

async function nodeServing(cluster: Cluster, key: string): Promise<Redis> {
  let slot = slotOfKey.get(key);
  if (slot === undefined) {
    slot = Number(await cluster.cluster('KEYSLOT', key));
    slotOfKey.set(key, slot);
  }
  const owner = cluster.slots[slot]?.[0];
  const node = cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
  if (!node) throw new Error(`no connected Redis master serves slot ${slot} (cluster failing over?)`);
  return node;
}

/** A second connection to the same Redis (subscribers and blocking commands need their own). */
export function duplicateRedis(client: RedisClient, opts: Partial<RedisOptions> = {}): RedisClient {
  let copy: RedisClient;
  if (isCluster(client)) {
    const { enableOfflineQueue, retryStrategy: _retry, ...redisOptions } = opts;
    copy = client.duplicate(undefined, {
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      redisOptions: { ...client.options.redisOptions, ...redisOptions },
    });
  } else {
    copy = client.duplicate(opts);
  }
  copy.on('error', () => {});
  return copy;
}
