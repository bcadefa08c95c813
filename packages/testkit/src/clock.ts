/** A clock that tests move by hand; services take `{ now(): Date }`. */
export class ControllableClock {
  private current: number;

  constructor(start: Date | string = '2026-03-02T08:00:00+07:00') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(to: Date | string): void {
    this.current = new Date(to).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
