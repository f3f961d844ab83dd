import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema, schemaFile } from '../../src/schema-file';

describe('the committed GraphQL schema (apps/api/schema.graphql)', () => {
  it('equals the schema the api serves; run `npm run schema` after changing it', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(printedSchema());
  });
});
