/**
 * A job as it runs, from the api's event stream (`watchJob`): the latest snapshot, and the figures
 * an operator wants beside it — throughput over the last few seconds, time elapsed, time left.
 * The clock ticks once a second while the job runs, so elapsed time moves between events too.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { watchJob, type JobSnapshot } from '../platform/events';
import type { Problem } from '../platform/rest';
import { useToken } from '../platform/session';

/** Throughput is measured over this window: long enough to smooth chunk-sized steps, short enough to follow a change. */
const windowMs = 10_000;

interface Sample { at: number; done: number }

export interface LiveJob {
  snapshot: JobSnapshot | null;
  ended: boolean;
  problem: Problem | null;
  /** Tasks finished per second, or null before there is anything to measure. */
  rate: number | null;
  elapsedS: number | null;
  etaS: number | null;
  /** Watches again: after a retry the job runs again, and a stream that ended says no more. */
  rewatch: () => void;
}

const doneOf = (s: JobSnapshot): number => s.progress.processed + s.progress.failed + s.progress.aborted;

function problemOf(status: number, text: string): Problem {
  try {
    const body = JSON.parse(text) as { title?: string; detail?: string; code?: string };
    return { status, title: body.title ?? `HTTP ${status}`, ...(body.detail ? { detail: body.detail } : {}), ...(body.code ? { code: body.code } : {}) };
  } catch {
    return { status, title: `HTTP ${status}`, detail: text.slice(0, 300) };
  }
}

export function useLiveJob(databaseId: string): LiveJob {
  const token = useToken();
  const [snapshot, setSnapshot] = useState<JobSnapshot | null>(null);
  const [ended, setEnded] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [now, setNow] = useState(() => Date.now());
  const [generation, setGeneration] = useState(0);
  const rewatch = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    setEnded(false);
    setProblem(null);
    setSamples([]);
    void watchJob(databaseId, token, {
      onSnapshot: (next, isEnd) => {
        const at = Date.now();
        setSnapshot(next);
        setEnded(isEnd || next.status !== 'PENDING');
        setSamples((old) => [...old.filter((s) => at - s.at <= windowMs), { at, done: doneOf(next) }]);
      },
      onError: (status, text) => setProblem(problemOf(status, text)),
    }, controller.signal);
    return () => controller.abort();
  }, [databaseId, token, generation]);

  const running = snapshot !== null && !ended;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);

  return useMemo(() => {
    if (!snapshot) return { snapshot, ended, problem, rate: null, elapsedS: null, etaS: null, rewatch };
    const started = Date.parse(snapshot.startedAt);
    const stopped = snapshot.endedAt ? Date.parse(snapshot.endedAt) : Math.max(now, Date.now());
    const elapsedS = Math.max(0, (stopped - started) / 1000);
    const done = doneOf(snapshot);
    let rate: number | null = null;
    const first = samples[0];
    const last = samples[samples.length - 1];
    if (running && first && last && last.at - first.at >= 1000) rate = (last.done - first.done) / ((last.at - first.at) / 1000);
    // Before two samples a second apart (and once it has ended) the average over the whole run says it best.
    else if (elapsedS > 0 && done > 0) rate = done / elapsedS;
    const left = snapshot.progress.total - done;
    const etaS = running && rate !== null && rate > 0 ? left / rate : ended ? 0 : null;
    return { snapshot, ended, problem, rate, elapsedS, etaS, rewatch };
  }, [snapshot, ended, problem, samples, now, running, rewatch]);
}
