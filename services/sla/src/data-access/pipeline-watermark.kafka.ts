import type { Admin } from 'kafkajs';
import type { Logger } from '@tthc/platform';
import type { InputWatermark } from '../domain/backlog-hold';

/** A consumer group's reading of some topics. */
export interface WatermarkHop {
  groupId: string;
  topics: string[];
}

export interface PipelineWatermark extends InputWatermark {
  start(): void;
  stop(): Promise<void>;
  /** Seconds between now and the watermark; null while unknown. */
  lagSeconds(): number | null;
}

/** How long admin calls must keep failing before the broker counts as away. */
const AWAY_AFTER_MS = 3000;

/** Offsets by `topic|partition`. */
type Positions = Map<string, number>;

/**
 * Follows, through the broker's admin API, how far the facts flowing into sla's deadlines have
 * been applied. `stages` is the pipeline in order: the groups reading what the portals hand over
 * (workflow on the dossier facts, sla's duty reader on the duty facts), then sla's own reading of
 * workflow's snapshots. One round takes the ends of the first stage's topics at instant t, waits
 * until every group of the stage has committed past them, takes the ends of the next stage's
 * topics, and so on; when the last stage is past its ends, everything handed over before t has
 * reached sla's store, and t is the watermark.
 *
 * Committed positions are what a restarted member resumes from; the services commit at the end of
 * every batch, so they trail processing by at most one batch. A partition a group has never
 * committed (a group not deployed, or one that never read the topic) is not waited for: the
 * watermark then claims too much rather than holding alerts for ever.
 */
export function createPipelineWatermark(opts: { admin: Admin; stages: WatermarkHop[][]; everyMs: number; logger: Logger; onRound?: (lagSeconds: number | null) => void }): PipelineWatermark {
  const log = opts.logger.child({ component: 'pipeline-watermark' });
  let mark: Date | null = null;
  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  /** Since when every admin call has failed (null while they answer). */
  let failingSince: number | null = null;
  /** The latest spell of failures, kept once it ends: the quiet time of a portal's history restarts then. */
  let lastOutage: { since: number; until: number | null } | null = null;

  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, opts.everyMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** One admin call; whether the broker answers is known from the latest. */
  const ask = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      const answer = await call();
      if (failingSince !== null) {
        log.info('the broker answers again');
        lastOutage = { since: failingSince, until: Date.now() };
      }
      failingSince = null;
      return answer;
    } catch (err) {
      // Nothing can be handed over while the broker is away: firings then wait only for a backlog the outage interrupted.
      if (failingSince === null) log.warn({ err: (err as Error).message }, `cannot read the consumer positions; if this lasts ${AWAY_AFTER_MS / 1000} s and the facts were applied when it began, firings stop waiting until the broker answers`);
      failingSince ??= Date.now();
      throw err;
    }
  };

  const ends = async (topics: string[], existing: Set<string>): Promise<Positions> => {
    const out: Positions = new Map();
    for (const topic of topics.filter((t) => existing.has(t))) {
      for (const p of await ask(() => opts.admin.fetchTopicOffsets(topic))) out.set(`${topic}|${p.partition}`, Number(p.high));
    }
    return out;
  };

  const hopReached = async (hop: WatermarkHop, target: Positions, existing: Set<string>): Promise<boolean> => {
    const topics = hop.topics.filter((t) => existing.has(t));
    if (topics.length === 0) return true;
    const committed: Positions = new Map();
    for (const t of await ask(() => opts.admin.fetchOffsets({ groupId: hop.groupId, topics }))) {
      for (const p of t.partitions) committed.set(`${t.topic}|${p.partition}`, Number(p.offset));
    }
    for (const topic of topics) {
      for (const [key, end] of target) {
        if (!key.startsWith(`${topic}|`)) continue;
        const at = committed.get(key) ?? -1;
        if (at >= 0 && at < end) return false;
      }
    }
    return true;
  };

  const lagSeconds = () => (mark ? Math.max(0, (Date.now() - mark.getTime()) / 1000) : null);

  const round = async () => {
    const t = new Date();
    const existing = new Set(await ask(() => opts.admin.listTopics()));
    for (const stage of opts.stages) {
      const target = await ends(stage.flatMap((h) => h.topics), existing);
      for (;;) {
        const reached = await Promise.all(stage.map((h) => hopReached(h, target, existing)));
        if (reached.every(Boolean)) break;
        if (!running) return;
        // A long backlog keeps the round here: the lag it shows must keep growing meanwhile.
        opts.onRound?.(lagSeconds());
        await pause();
      }
    }
    mark = t;
  };

  return {
    caughtUpTo: () => mark,
    // One failed call on a loaded machine is not an outage: firings keep waiting through a few
    // seconds of failures, and only then are let through.
    awaySince: () => (failingSince !== null && Date.now() - failingSince >= AWAY_AFTER_MS ? new Date(failingSince) : null),
    lastOutage: () => (failingSince !== null ? { since: failingSince, until: null } : lastOutage),
    lagSeconds,
    start() {
      if (running) return;
      running = true;
      loop = (async () => {
        let connected = false;
        while (running) {
          try {
            if (!connected) await ask(() => opts.admin.connect());
            connected = true;
            await round();
          } catch {
            // Told by `ask`; the round starts again from the ends once the broker answers.
            connected = false;
          }
          opts.onRound?.(lagSeconds());
          if (running) await pause();
        }
      })();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      await opts.admin.disconnect().catch(() => undefined);
    },
  };
}
