import { createCalendarChangeGate } from './calendar-change.gate';

const tick = () => new Promise((r) => setImmediate(r));

describe('calendar change gate', () => {
  test('when a change is requested while facts are applied, then it waits for them, and facts after it wait for the change', async () => {
    const gate = createCalendarChangeGate();
    const log: string[] = [];
    let releaseFact!: () => void;
    const fact = gate.shared(async () => {
      log.push('fact 1 start');
      await new Promise<void>((r) => (releaseFact = r));
      log.push('fact 1 end');
    });
    await tick();
    let releaseChange!: () => void;
    const change = gate.exclusive(async () => {
      log.push('change start');
      await new Promise<void>((r) => (releaseChange = r));
      log.push('change end');
      return 'changed';
    });
    await tick();
    const later = gate.shared(async () => void log.push('fact 2'));
    await tick();
    expect(log).toEqual(['fact 1 start']);
    releaseFact();
    await fact;
    await tick();
    expect(log).toEqual(['fact 1 start', 'fact 1 end', 'change start']);
    releaseChange();
    expect(await change).toBe('changed');
    await later;
    expect(log).toEqual(['fact 1 start', 'fact 1 end', 'change start', 'change end', 'fact 2']);
  });

  test('when a change fails, then facts proceed afterwards', async () => {
    const gate = createCalendarChangeGate();
    await expect(gate.exclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.shared(async () => 'applied')).toBe('applied');
  });
});
