// Types of the ajv standalone validator that scripts/gen-schema-validator.mjs writes beside this file.
import type { ValidateFunction } from 'ajv';

declare const validate: ValidateFunction;
export default validate;
