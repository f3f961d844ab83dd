/**
 * The api's codes in the reader's words: job types, statuses, rule codes and durations. An unknown
 * code (a job type added to the api after this build) is shown as the api sends it.
 */
import { useCallback, useMemo } from 'react';
import { useMessages } from '../platform/i18n';
import { jobsMessages, keyOf } from './messages';

export function useJobWords() {
  const t = useMessages(jobsMessages);
  const word = useCallback((prefix: 'type' | 'status' | 'task' | 'rule', value: string) => {
    const key = keyOf(prefix, value);
    if (key) return t(key);
    return prefix === 'rule' ? t('ruleUnknown', { rule: value }) : value;
  }, [t]);
  return useMemo(() => ({
    t,
    jobType: (type: string) => word('type', type),
    jobStatus: (status: string) => word('status', status),
    taskStatus: (status: string) => word('task', status),
    rule: (rule: string) => word('rule', rule),
    /** 3723 s → "1 h 2 min 3 s" (in the page's language). */
    duration: (seconds: number) => {
      // A short job is over in under a second: tenths say more than "0 s".
      if (seconds < 10) return t('durationSec', { s: Math.max(0, Math.round(seconds * 10) / 10) });
      const total = Math.round(seconds);
      const h = Math.floor(total / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = total % 60;
      if (h > 0) return t('duration', { h, m, s });
      if (m > 0) return t('durationMin', { m, s });
      return t('durationSec', { s });
    },
  }), [t, word]);
}
