/**
 * MemoryStore against the store conformance suites (the same cases the Redis and PostgreSQL
 * stores run), with the system clock like a server-backed store.
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../../src/store/memory.js';
import {
  sessionStoreConformance,
  setupStoreConformance,
  stateStoreConformance,
  tenantStoreConformance,
} from '../../src/testing/index.js';

const certificate = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');
const factory = { create: ({ now }: { now: () => Date }) => Promise.resolve(createMemoryStore({ now })) };

describe('MemoryStore: StateStore conformance', () => {
  for (const c of stateStoreConformance(factory)) it(c.name, () => c.run());
});

describe('MemoryStore: TenantStore conformance', () => {
  for (const c of tenantStoreConformance(factory, { certificate })) it(c.name, () => c.run());
});

describe('MemoryStore: SessionStore conformance', () => {
  for (const c of sessionStoreConformance(factory)) it(c.name, () => c.run());
});

describe('MemoryStore: SetupStore conformance', () => {
  for (const c of setupStoreConformance(factory, { certificate })) it(c.name, () => c.run());
});
