// The fast tier: unit tests and the storage contracts on SQLite only. No FerretDB, no build, no child
// processes, so it answers in well under a minute; `npm test` still runs everything on both stores.
// Types are left to `npm run typecheck`: ts-jest only transpiles here, which is most of the speed.

import base from '../../jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  rootDir: '../..',
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/contract/**/*.sqlite.test.ts'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
