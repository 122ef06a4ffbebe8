import { describeMongo, mongoStoreFactory } from '../support/stores.js';
import { keysContract } from './keys.contract.js';

describeMongo('KeyStore on MongoDB', () => keysContract(mongoStoreFactory));
