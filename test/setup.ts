// Root hooks: pick the tfjs backend once, as the library does for users.
import { describeBackend, initBackend } from '../lib/backend';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    const info = await initBackend();
    console.log(`  ${describeBackend(info)}`);
  },
};
