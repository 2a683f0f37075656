import { spawnService } from './support/process';

/** The built service refuses to start on a bad value and names the variable (exit 78, EX_CONFIG). */
describe('configuration validated at start-up', () => {
  it.each([
    ['PORT', 'eighty'],
    ['WORKER_CONCURRENCY', '0'],
    ['RATE_LIMIT_PER_MINUTE', 'lots'],
    ['DATABASE_URL', 'mysql://db/x'],
    ['LOG_LEVEL', 'chatty'],
  ])('%s=%s stops the service with a message naming it', async (name, value) => {
    const p = await spawnService({ [name]: value });
    expect(await p.exited).toBe(78);
    expect(p.output()).toContain('Invalid configuration');
    expect(p.output()).toContain(name);
  });
});
