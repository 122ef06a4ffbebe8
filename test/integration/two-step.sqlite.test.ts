import { describe } from '@jest/globals';
import { twoStepSuite } from './two-step.suite.js';

describe('two-step verification, on SQLite', () => twoStepSuite('sqlite'));
