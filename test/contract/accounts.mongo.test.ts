import { describeMongo, mongoStoreFactory } from '../support/stores.js';
import { accountsContract } from './accounts.contract.js';

describeMongo('AccountStore on MongoDB', () => accountsContract(mongoStoreFactory));
