// JSON bodies are `unknown` until read: a field a test expects to be a string is read as one here, and
// anything else (absent, a number, an object) reads as '' rather than as '[object Object]'.

export const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');
