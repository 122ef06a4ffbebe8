import { describeMongo } from '../support/stores.js';
import { twoStepEnrollSuite } from './two-step-enroll.suite.js';

describeMongo('adding a second factor inside the sign-in, on MongoDB', () => twoStepEnrollSuite('mongodb'));
