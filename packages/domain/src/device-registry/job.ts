/**
 * The device registry import's task handler: a chunk of CSV records → validated drafts → one COPY
 * of the good ones. Load (dictionaries, parents) → domain (checkRecords) → save (insertDevices);
 * the engine writes every task's outcome in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { insertDevices, existingDevices, type NewDevice } from '@jabba/domain/device-registry/device-store';
import { loadDictionaries } from '@jabba/domain/device-registry/dictionaries';
import type { BatchOutcome, TaskHandler, TaskToRun } from '@jabba/domain/engine/handler';
import { DomainError } from '@jabba/domain/platform/errors';
import { checkRecords, recordErrorMessage, type RecordVerdict } from '@jabba/domain/device-registry/record-rules';
import { dictionaryNames } from '@jabba/domain/device-registry/column-rules';

const lineOf = (task: TaskToRun): number => Number(task.meta?.csvDataLine);

/** A parent must already exist: records of one file run in no particular order. */
async function checkParents(sql: Parameters<typeof existingDevices>[0], verdicts: RecordVerdict[]): Promise<RecordVerdict[]> {
  const wanted = verdicts.flatMap((v) => (v.ok && v.device.parentId ? [v.device.parentId] : []));
  if (wanted.length === 0) return verdicts;
  const found = await existingDevices(sql, wanted);
  return verdicts.map((v) =>
    v.ok && v.device.parentId && !found.has(v.device.parentId)
      ? { ok: false, problems: [`column "parent_id" refers to device definition ${v.device.parentId}, which does not exist`] }
      : v,
  );
}

export const deviceRegistryHandler: TaskHandler = {
  kind: 'batch',
  async run(tasks, { job, sql }): Promise<BatchOutcome[]> {
    const header = job.meta?.csvHeader;
    if (typeof header !== 'string') throw new Error(`job ${job.id} has no csvHeader in its meta`);
    const dictionaries = await loadDictionaries(sql, dictionaryNames);
    const records = tasks.map((task) => ({ line: lineOf(task), text: task.input ?? '' }));
    const verdicts = await checkParents(sql, checkRecords(header, records, dictionaries));

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
};
