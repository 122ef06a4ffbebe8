import { describeMongo } from '../support/stores.js';
import { twoStepSuite } from './two-step.suite.js';

describeMongo('two-step verification, on MongoDB', () => twoStepSuite('mongodb'));
