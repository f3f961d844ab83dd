import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJobType, genericJobView } from '@jabba/domain/engine';
import { jobCatalog } from '@jabba/domain/job-catalog';
import { refuseEveryone } from '@jabba/domain/identity';

const definition = (read: readonly unknown[], write: readonly unknown[]) => ({
  type: 'some_job', name: 'Some job', taskName: 'Some task', strategy: 'CONCURRENT' as const, chunkSize: 10,
  jobMeta: z.null(), taskMeta: z.null(), taskInput: z.null(), graphqlType: genericJobView,
  access: { read, write } as never,
  handler: () => ({ kind: 'each' as const, run: async () => ({}) }),
});

describe('defineJobType', () => {
  it('refuses a job type that does not say who may read it or change it: nothing is allowed by default', () => {
    expect(() => defineJobType(definition([], [refuseEveryone()]))).toThrow('job type some_job declares no read checks: nothing is allowed by default, so say who may');
    expect(() => defineJobType(definition([refuseEveryone()], []))).toThrow('job type some_job declares no write checks: nothing is allowed by default, so say who may');
    expect(defineJobType(definition([refuseEveryone()], [refuseEveryone()])).type).toBe('some_job');
  });

  it('every job type of the catalog declares both', () => {
    for (const type of jobCatalog) expect([type.type, type.access.read.length > 0, type.access.write.length > 0]).toEqual([type.type, true, true]);
  });
});
