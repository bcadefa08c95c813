import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import { defineJobCatalog, jobProcessor } from './job-catalog';

const jobs = defineJobCatalog({
  'test.ping.v1': { schema: z.object({ reason: z.string().default('schedule') }), options: { attempts: 1 } },
  'test.echo.v1': { schema: z.object({ text: z.string().min(1) }), options: { attempts: 3 } },
});

const job = (name: string, data: unknown) => ({ name, data }) as unknown as Job;

const process = jobProcessor(jobs, {
  'test.ping.v1': async (payload) => `ping ${payload.reason}`,
  'test.echo.v1': async (payload, j) => `${j.name}: ${payload.text}`,
});

test('dispatches by name with the payload as the schema reads it, defaults filled in', async () => {
  await expect(process(job('test.ping.v1', undefined))).resolves.toBe('ping schedule');
  await expect(process(job('test.echo.v1', { text: 'hi' }))).resolves.toBe('test.echo.v1: hi');
});

test('a job of another name or with a refused payload fails for good', async () => {
  await expect(process(job('test.other.v1', {}))).rejects.toThrow(new UnrecoverableError('unknown job test.other.v1'));
  await expect(process(job('toString', {}))).rejects.toBeInstanceOf(UnrecoverableError);
  const refused = process(job('test.echo.v1', { text: '' }));
  await expect(refused).rejects.toBeInstanceOf(UnrecoverableError);
  await expect(refused).rejects.toThrow(/^invalid payload: /);
});
