import type { Logger } from 'pino';

type Handler = () => Promise<void> | void;

/**
 * Named shutdown steps run once, in reverse order of registration (stop taking work first,
 * close stores last), each bounded by a deadline so one stuck client cannot hang the process.
 */
export class ShutdownRegistry {
  private readonly handlers: Array<{ name: string; fn: Handler }> = [];
  private running: Promise<void> | null = null;

  constructor(private readonly logger: Logger, private readonly timeoutMs = 10_000) {}

  register(name: string, fn: Handler): void {
    if (this.handlers.some((h) => h.name === name)) throw new Error(`shutdown handler "${name}" registered twice`);
    this.handlers.push({ name, fn });
  }

  run(reason: string): Promise<void> {
    this.running ??= this.runAll(reason);
    return this.running;
  }

  private async runAll(reason: string): Promise<void> {
    this.logger.info({ reason }, 'shutting down');
    for (const { name, fn } of [...this.handlers].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      });
      try {
        const outcome = await Promise.race([Promise.resolve().then(fn).then(() => 'done' as const), deadline]);
        if (outcome === 'timeout') this.logger.warn({ step: name }, 'shutdown step timed out');
      } catch (err) {
        this.logger.error({ step: name, err }, 'shutdown step failed');
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/** Wires SIGTERM/SIGINT to the registry and exits with 128 + signal number. */
export function exitOnSignals(registry: ShutdownRegistry): void {
  const codes: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };
  for (const signal of Object.keys(codes)) {
    process.once(signal, () => {
      void registry.run(signal).finally(() => process.exit(128 + (codes[signal] ?? 0)));
    });
  }
}
