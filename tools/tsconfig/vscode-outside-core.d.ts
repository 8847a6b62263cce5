// tsconfig.core.json resolves `vscode` to this file, which is not a module: an import of the editor's
// API from src/core is a compile error (TS2306) instead of a convention. Core code takes what it needs
// from the shells as plain parameters.
