/** MemoryDirectoryStore against the directory store conformance suite. */
import { describe, it } from 'node:test';
import { createMemoryDirectoryStore } from '../../src/scim.js';
import { directoryStoreConformance } from '../../src/testing/index.js';

describe('MemoryDirectoryStore conformance', () => {
  for (const c of directoryStoreConformance({ create: () => Promise.resolve(createMemoryDirectoryStore()) }))
    it(c.name, () => c.run());
});
