/** MemoryDirectoryStore against the directory store conformance suite. */
import { describe, it } from 'node:test';
import { MemoryDirectoryStore } from '../../src/scim.js';
import { directoryStoreConformance } from '../../src/testing/index.js';

describe('MemoryDirectoryStore conformance', () => {
  for (const c of directoryStoreConformance({ create: () => Promise.resolve(new MemoryDirectoryStore()) }))
    it(c.name, () => c.run());
});
