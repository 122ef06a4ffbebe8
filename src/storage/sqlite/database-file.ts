/** The embedded store's file in DATA_DIR: named apart from the driver, so the start report needs no database module. */
export const DATABASE_FILE = 'signet.db';
