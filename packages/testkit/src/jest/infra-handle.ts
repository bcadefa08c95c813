import type { ResolvedEndpoints } from '../infra/resolve-endpoints';

// Jest lets globalTeardown read globals set by globalSetup (both run in the parent process), and
// offers no other channel between them, so the handle travels on globalThis.
declare global {
  var __TESTKIT_INFRA__: ResolvedEndpoints | undefined;
}

export function setInfraHandle(handle: ResolvedEndpoints | undefined): void {
  globalThis.__TESTKIT_INFRA__ = handle;
}

export function takeInfraHandle(): ResolvedEndpoints | undefined {
  const handle = globalThis.__TESTKIT_INFRA__;
  globalThis.__TESTKIT_INFRA__ = undefined;
  return handle;
}
