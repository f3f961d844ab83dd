/**
 * The GraphQL contract as a file: `npm run schema` writes `apps/api/schema.graphql` from the modules
 * the api serves, so clients (the console's typed operations among them) build without
 * introspection, which production turns off. A test keeps the file equal to the served schema.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { graphqlModules } from './app';
import { buildSchema } from './graphql/schema';

export const schemaFile = fileURLToPath(new URL('../schema.graphql', import.meta.url));

/** Sorted, so a module moving in the list does not rewrite the file. */
export const printedSchema = (): string => `${printSchema(lexicographicSortSchema(buildSchema(graphqlModules)))}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(schemaFile, printedSchema());
  console.log(`schema: wrote ${schemaFile}`);
}
