import { describe } from '@jest/globals';
import { twoStepEnrollSuite } from './two-step-enroll.suite.js';

describe('adding a second factor inside the sign-in, on SQLite', () => twoStepEnrollSuite('sqlite'));
