/**
 * A clock that tests move by hand; services take `{ now(): Date }`. A ticking one also runs at
 * real speed from wherever it was last set, for tests whose timers must fire on their own
 * (BullMQ delays are real time) at an instant chosen on the calendar, e.g. the end of a
 * half-year.
 */
export class ControllableClock {
  private current: number;
  private setAt = Date.now();

  constructor(
    start: Date | string = '2026-03-02T08:00:00+07:00',
    private readonly opts: { ticking?: boolean } = {},
  ) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current + (this.opts.ticking ? Date.now() - this.setAt : 0));
  }

  set(to: Date | string): void {
    this.current = new Date(to).getTime();
    this.setAt = Date.now();
  }

  advance(ms: number): void {
    this.set(new Date(this.now().getTime() + ms));
  }
}
