import { describeMongo } from '../support/stores.js';
import { conformanceSuite } from './conformance.suite.js';

describeMongo('conformance behaviours on MongoDB', () => conformanceSuite('mongodb'));
