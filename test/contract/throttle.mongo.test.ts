import { describeMongo, mongoStoreFactory } from '../support/stores.js';
import { throttleContract } from './throttle.contract.js';

describeMongo('ThrottleStore on MongoDB', () => throttleContract(mongoStoreFactory));
