import { describe } from '@jest/globals';
import { keyRotationSuite } from './key-rotation.suite.js';

describe('key rotation on SQLite', () => keyRotationSuite('sqlite'));
