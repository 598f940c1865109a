import { closeSharedRuntime } from './support/runtime.js';

/** Mocha root hooks: the shared runtime is closed once, after every test file has run. */
export const mochaHooks = {
  async afterAll() {
    await closeSharedRuntime();
  },
};
