// Types of json-where.js for the tests (the page itself loads the .js as an ES module).
export function firstJsonError(text: string): number | null;
export function lineAndColumn(text: string, offset: number): { line: number; column: number };
