// One rule for the CLI and the extension: see src/io/references.ts.
export { referencePath } from '../io/references';
