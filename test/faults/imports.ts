/** A registry file with known bad lines, its upload, and waiting for its job to end: what every fault test runs. */
import { waitFor } from '#test/wait-for';
import type { Sql } from './exactly-once';

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';

export interface RegistryFile {
  text: string;
  records: number;
  /** File line numbers (header = 1) whose packaging_count is 0, which fails validation. */
  badLines: number[];
}

/** `records` lines; every `badEvery`-th one (from the 8th) is bad. Model numbers are unique per file. */
export function registryCsv({ records, badEvery, tag = 'F' }: { records: number; badEvery: number; tag?: string }): RegistryFile {
  const isBad = (i: number): boolean => i % badEvery === 7;
  const lines = Array.from({ length: records }, (_, i) => `IIa,Acme,UA,${tag}-${i},box,${isBad(i) ? 0 : (i % 50) + 1},piece,true,Device ${i},USER_PROVIDED`);
  return { text: [header, ...lines].join('\n'), records, badLines: Array.from({ length: records }, (_, i) => i).filter(isBad).map((i) => i + 2) };
}

/** Uploads as text/csv and answers the job's uuid; anything but 202 throws with the answer. */
export async function uploadRegistry(baseUrl: string, token: string, csv: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Fault%20test`, {
    method: 'POST', headers: { 'Content-Type': 'text/csv', Authorization: `Bearer ${token}`, ...headers }, body: csv,
  });
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { databaseId: string }).databaseId;
}

export const jobStatus = async (sql: Sql, jobId: string): Promise<string | undefined> =>
  (await sql<{ status: string }>('select status from jobs where id = ?', [jobId]))[0]?.status;

export async function waitForEnd(sql: Sql, jobId: string, timeout = 90_000): Promise<string> {
  return waitFor(async () => {
    const status = await jobStatus(sql, jobId);
    return status && status !== 'PENDING' ? status : undefined;
  }, { timeout, interval: 100, what: `job ${jobId} to end` });
}
