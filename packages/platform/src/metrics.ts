import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/**
 * One registry per service instance. Tests run several services in one process, so nothing
 * is registered on prom-client's global registry.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // prom-client also exports these gauges with a `_total` suffix, which Prometheus reserves for
  // counters (promtool flags them); the same figures stay available per type without it.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  return {
    registry,
    counter: <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers: [registry] }),
    histogram: <L extends string>(name: string, help: string, labelNames: L[] = [], buckets?: number[]) =>
      new Histogram<L>({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) }),
    gauge: <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Gauge<L>({ name, help, labelNames, registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The metric of that name on the service's registry, created on first use. Several components
 * (consumer runners of two groups, a restart in a test) share one registry, and prom-client
 * refuses a second registration of a name.
 */
export function sharedCounter<L extends string>(metrics: Metrics, name: string, help: string, labels: L[] = []): Counter<L> {
  return (metrics.registry.getSingleMetric(name) as Counter<L> | undefined) ?? metrics.counter(name, help, labels);
}
export function sharedGauge<L extends string>(metrics: Metrics, name: string, help: string, labels: L[] = []): Gauge<L> {
  return (metrics.registry.getSingleMetric(name) as Gauge<L> | undefined) ?? metrics.gauge(name, help, labels);
}
