/**
 * The registration's check of an endpoint URL, past the request schema's syntax rules: the host
 * must resolve, and only to public addresses (unless private ones are allowed). Deliveries check
 * again when they connect; this check is for the caller, who learns at once why a URL is refused.
 */
import { AddressRefused, resolvePublic } from './ssrf-guard';
import { urlRefused } from './rules';

/** Lookups that find nothing, as DNS reports them: the caller's typo, not our failure. */
const unresolved = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENODATA', 'ESERVFAIL', 'EAI_NODATA', 'EAI_NONAME']);

/** Throws a 422 naming `$.url` and the reason; returns nothing when the URL may be registered. */
export async function checkEndpointUrl(url: string, { allowPrivate }: { allowPrivate: boolean }): Promise<void> {
  if (allowPrivate) return;
  const { hostname } = new URL(url);
  try {
    await resolvePublic(hostname);
  } catch (error) {
    if (error instanceof AddressRefused) {
      throw urlRefused(`must reach a public address: ${error.message} (WEBHOOK_ALLOW_PRIVATE is off)`);
    }
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (unresolved.has(code)) throw urlRefused(`must name a host that resolves: ${hostname} does not (${code})`);
    throw error;
  }
}
