// Types of schema-check.js for the tests (the page itself loads the .js as an ES module).
export interface Problem {
  path: string;
  message: string;
}
export class UnsupportedSchemaError extends Error {}
export function childPath(path: string, key: string | number): string;
export function validate(schema: object, document: unknown): Problem[];
export function parseServerProblem(line: string): Problem;
