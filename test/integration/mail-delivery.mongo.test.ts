import { describeMongo } from '../support/stores.js';
import { mailDeliverySuite } from './mail-delivery.suite.js';

describeMongo('mail delivery on MongoDB', () => mailDeliverySuite('mongodb'));
