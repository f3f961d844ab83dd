/**
 * The device registry import as a job type (SPEC §3): one task per CSV data record, run in chunks
 * of a thousand by a batch handler. A chunk of records → validated drafts → one COPY of the good
 * ones: load (dictionaries, parents) → rules (checkRecords) → save (insertDevices); the engine
 * writes every task's outcome in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type BatchOutcome, defineJobType } from '../engine';
import { DomainError, type TxSql } from '../platform';
import { dictionaryNames } from './column-rules';
import { existingDevices, insertDevices, type NewDevice } from './device-store';
import { loadDictionaries } from './dictionaries';
import { deviceRegistryAccess } from './policy';
import { checkRecords, recordErrorMessage, type RecordVerdict } from './record-rules';

/** A parent must already exist: records of one file run in no particular order. */
async function checkParents(sql: TxSql, verdicts: RecordVerdict[]): Promise<RecordVerdict[]> {
  const wanted = verdicts.flatMap((v) => (v.ok && v.device.parentId ? [v.device.parentId] : []));
  if (wanted.length === 0) return verdicts;
  const found = await existingDevices(sql, wanted);
  return verdicts.map((v) =>
    v.ok && v.device.parentId && !found.has(v.device.parentId)
      ? { ok: false, problems: [`column "parent_id" refers to device definition ${v.device.parentId}, which does not exist`] }
      : v,
  );
}

export const deviceRegistryJob = defineJobType({
  type: 'upload_device_definition_registry',
  name: 'Upload device definition registry',
  taskName: 'Create device definition',
  strategy: 'CONCURRENT',
  chunkSize: 1000,
  // `csvHeader` is the upload's header line, which the workers read the records by.
  jobMeta: z.object({ registerType: z.string(), reasonDescription: z.string(), csvHeader: z.string() }),
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
      const verdicts = await checkParents(sql, checkRecords(job.meta.csvHeader, records, dictionaries));

      const devices: NewDevice[] = [];
      const outcomes = verdicts.map((verdict, i): BatchOutcome => {
        if (!verdict.ok) return { ok: false, error: new DomainError('VALIDATION_ERROR', recordErrorMessage(records[i]!.line, verdict.problems)) };
        const device = { ...verdict.device, id: randomUUID() };
        devices.push(device);
        return { ok: true, meta: { databaseId: device.id } };
      });
      await insertDevices(sql, devices, job.userId);
      return outcomes;
    },
  }),
});
