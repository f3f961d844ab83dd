/**
 * The GraphQL contract as a file: `npm run schema` writes `apps/api/schema.graphql` from the modules
 * the api serves, so clients (the console's typed operations among them) build without
 * introspection, which production turns off. A test keeps the file equal to the served schema.
 *
 * `npm run schema:accept-breaking` also copies it to `apps/api/schema.baseline.graphql`, the
 * contract the seed-defined types are held to (apps/api/test/graphql/seed-contract.test.ts): only
 * that deliberate step moves it, so a breaking change to them cannot slip in with a regenerated file.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { graphqlModules } from './app';
import { buildSchema } from './graphql/schema';

export const schemaFile = fileURLToPath(new URL('../schema.graphql', import.meta.url));
export const baselineFile = fileURLToPath(new URL('../schema.baseline.graphql', import.meta.url));

/** Sorted, so a module moving in the list does not rewrite the file. */
export const printedSchema = (): string => `${printSchema(lexicographicSortSchema(buildSchema(graphqlModules)))}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const printed = printedSchema();
  writeFileSync(schemaFile, printed);
  console.log(`schema: wrote ${schemaFile}`);
  if (process.argv.includes('--accept-breaking')) {
    writeFileSync(baselineFile, printed);
    console.log(`schema: wrote ${baselineFile}, the baseline the seed-defined types are checked against`);
  }
}
