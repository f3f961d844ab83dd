/**
 * The device registry import as a job type (SPEC §3): one task per CSV data record, run in chunks
 * of a thousand by a batch handler. A chunk of records → validated drafts → one COPY of the good
 * ones: load (dictionaries, parents) → rules (checkRecords) → save (insertDevices); the engine
 * writes every task's outcome in the same transaction.
 *
 * A dry run (`meta.dryRun`) is the same job with the save left out: every record meets the same
 * checks, a bad one fails with the same error, a good one ends PROCESSED ("checked, would be
 * created") without a `databaseId`, since nothing was created. The SPEC's task statuses stay as they
 * are; the job says it was a dry run, once, rather than every task.
 */
import { z } from 'zod';
import { type BatchOutcome, defineJobType } from '../engine';
import { DomainError, fieldProblem, problemMessages, type TxSql, uuidv7 } from '../platform';
import { dictionaryNames } from './column-rules';
import { existingDevices, insertDevices, type NewDevice } from './device-store';
import { loadDictionaries } from './dictionaries';
import { deviceRegistryAccess } from './policy';
import { checkRecordFields, recordErrorMessage, type RecordCheck } from './record-rules';

/** A parent must already exist: records of one file run in no particular order. */
async function checkParents(sql: TxSql, checks: RecordCheck[]): Promise<RecordCheck[]> {
  const wanted = checks.flatMap((v) => (v.ok && v.device.parentId ? [v.device.parentId] : []));
  if (wanted.length === 0) return checks;
  const found = await existingDevices(sql, wanted);
  return checks.map((v): RecordCheck => {
    const parentId = v.ok ? v.device.parentId : null;
    if (!parentId || found.has(parentId)) return v;
    const message = `column "parent_id" refers to device definition ${parentId}, which does not exist`;
    return { ok: false, fields: [fieldProblem('parent_id', parentId, 'reference_not_found', message)] };
  });
}

/** A bad record's task error: its message names the line and each problem, `fields` lists them one by one. */
const invalidRecord = (line: number, { fields }: RecordCheck & { ok: false }): DomainError =>
  new DomainError('VALIDATION_ERROR', recordErrorMessage(line, problemMessages(fields)), { fields });

export const deviceRegistryJob = defineJobType({
  type: 'upload_device_definition_registry',
  name: 'Upload device definition registry',
  taskName: 'Create device definition',
  strategy: 'CONCURRENT',
  chunkSize: 1000,
  // `csvHeader` is the upload's header line, which the workers read the records by. `dryRun`
  // defaults for the jobs stored before it existed, which were all real imports.
  jobMeta: z.object({ registerType: z.string(), reasonDescription: z.string(), csvHeader: z.string(), dryRun: z.boolean().default(false) }),
  // The line the record starts on in the uploaded file (the header is line 1).
  taskMeta: z.object({ csvDataLine: z.number().int().positive() }),
  // The record as uploaded, quotes and line breaks included.
  taskInput: z.string(),
  graphqlType: 'DeviceRegistryJob',
  access: deviceRegistryAccess,
  handler: () => ({
    kind: 'batch',
    async run(tasks, { job, sql }): Promise<BatchOutcome[]> {
      const dictionaries = await loadDictionaries(sql, dictionaryNames);
      const records = tasks.map((task) => ({ line: task.meta.csvDataLine, text: task.input }));
      const checks = await checkParents(sql, checkRecordFields(job.meta.csvHeader, records, dictionaries));

      const devices: NewDevice[] = [];
      const outcomes = checks.map((check, i): BatchOutcome => {
        if (!check.ok) return { ok: false, error: invalidRecord(records[i]!.line, check) };
        if (job.meta.dryRun) return { ok: true };
        const device = { ...check.device, id: uuidv7() };
        devices.push(device);
        return { ok: true, meta: { databaseId: device.id } };
      });
      await insertDevices(sql, devices, job.userId);
      return outcomes;
    },
  }),
});
