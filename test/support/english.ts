// English as the pages say it, for tests of view models: pages pass their request's own translation,
// so view models take it as an argument and tests pass this one.

import { createTranslator, translateIn, type Translate } from '../../src/i18n/translator.js';

export const en: Translate = translateIn(createTranslator(), 'en');
