import { describe } from '@jest/globals';
import { apiAcrSuite } from './api-acr.suite.js';

describe("an API's second-factor scopes, on SQLite", () => apiAcrSuite('sqlite'));
