/**
 * Facts are applied under a shared hold; a calendar change (install + recompute) takes the
 * gate alone. Without it a fact applied between the install and the recompute would move a
 * subject's deadline with the new calendar but without a new deadline version, and the
 * recompute would then find nothing to move or audit.
 */
export interface CalendarChangeGate {
  shared<T>(work: () => Promise<T>): Promise<T>;
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

export function createCalendarChangeGate(): CalendarChangeGate {
  let active = 0;
  let writer: Promise<unknown> | null = null;
  let drained: (() => void) | null = null;
  return {
    async shared(work) {
      while (writer) await writer.catch(() => undefined);
      active++;
      try {
        return await work();
      } finally {
        active--;
        if (active === 0) drained?.();
      }
    },
    async exclusive(work) {
      while (writer) await writer.catch(() => undefined);
      const run = (async () => {
        if (active > 0) await new Promise<void>((resolve) => (drained = resolve));
        drained = null;
        return work();
      })();
      writer = run;
      try {
        return await run;
      } finally {
        if (writer === run) writer = null;
      }
    },
  };
}
