import { MemoryStorage } from '../../storage/memory.js';
import { conformanceSchema, runClockTests, runConformanceTests } from './conformance.js';

runConformanceTests('memory', async () => ({
  storage: new MemoryStorage(conformanceSchema),
  cleanup: async () => {},
}));

runClockTests('memory', async (now) => ({ storage: new MemoryStorage(conformanceSchema, { now }), cleanup: async () => {} }));
