/**
 * Device registry CSV files for browser tests and the console benchmark: good records the
 * migrated dictionaries accept, and bad ones that break one rule each at a known line and column.
 */
import { randomUUID } from 'node:crypto';
import { createJob } from '@jabba/domain/engine';
import { deviceRegistryJob } from '@jabba/domain/device-registry';
import type { EntityManager } from '@mikro-orm/postgresql';

export const registryHeader = 'external_id,classification_type,description,manufacturer_name,manufacturer_country,model_number,part_number,packaging_type,packaging_count,packaging_unit,note,is_active,device_names.name,device_names.type';

export interface BadRecord {
  /** The column made bad, and the rule code the api reports for it. */
  column: string;
  value: string;
  rule: string;
}

/** The ways a record is made bad, in turn: one rule each, one column each. */
export const badRecords: readonly BadRecord[] = [
  { column: 'packaging_count', value: '0', rule: 'positive_integer' },
  { column: 'is_active', value: 'maybe', rule: 'boolean' },
  { column: 'manufacturer_country', value: 'XX', rule: 'not_in_dictionary' },
];

export function registryRecord(i: number, bad?: BadRecord): string {
  const cells: Record<string, string> = {
    external_id: `EXT-${i}`, classification_type: 'IIa', description: `"Sterile, single use device no. ${i}"`, manufacturer_name: 'Acme Medical',
    manufacturer_country: 'UA', model_number: `M-${i}`, part_number: `P-${i % 1000}`, packaging_type: 'box', packaging_count: String((i % 50) + 1),
    packaging_unit: 'piece', note: '', is_active: 'true', 'device_names.name': `Device ${i}`, 'device_names.type': 'USER_PROVIDED',
  };
  if (bad) cells[bad.column] = bad.value;
  return registryHeader.split(',').map((column) => cells[column] ?? '').join(',');
}

export interface RegistryFile {
  csv: string;
  /** The file line of each bad record (the header is line 1), with what is wrong with it. */
  bad: { line: number; record: BadRecord }[];
}

/** `lines` records; the ones at `badAt` (1-based record numbers) break the rules of `badRecords` in turn. */
export function registryCsv(lines: number, badAt: readonly number[] = []): RegistryFile {
  const bad: RegistryFile['bad'] = [];
  const rows = [registryHeader];
  for (let i = 1; i <= lines; i += 1) {
    const which = badAt.indexOf(i);
    const record = which >= 0 ? badRecords[which % badRecords.length] : undefined;
    if (record) bad.push({ line: i + 1, record });
    rows.push(registryRecord(i, record));
  }
  return { csv: `${rows.join('\n')}\n`, bad };
}

/**
 * A device registry job of `tasks` records stored without being queued: it stays PENDING with NEW
 * tasks until cancelled (or until a reconciler pass offers it), a job that is "still running" for
 * as long as a test needs, however fast the workers.
 */
export async function unqueuedRegistryJob(em: EntityManager, clientId: string, tasks: number): Promise<string> {
  const records = function* () {
    for (let i = 1; i <= tasks; i += 1) yield { meta: { csvDataLine: i + 1 }, input: registryRecord(i) };
  };
  const { job } = await createJob(em, {
    type: deviceRegistryJob.type,
    strategy: 'CONCURRENT',
    clientId,
    userId: randomUUID(),
    meta: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'A long import', csvHeader: registryHeader },
    tasks: records(),
  });
  return job.id;
}
