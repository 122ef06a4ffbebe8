import { describeMongo } from '../support/stores.js';
import { keyRotationSuite } from './key-rotation.suite.js';

describeMongo('key rotation on MongoDB', () => keyRotationSuite('mongodb'));
