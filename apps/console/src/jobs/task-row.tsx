/**
 * One task of the table. A failed import record shows where it came from (its CSV line), the
 * record itself with each bad cell marked, and each problem in words: the rule translated, the
 * value as uploaded, and the api's message as sent.
 */
import { StatusBadge } from '../platform/ui';
import type { TaskError, TaskRow } from './task-queries';
import { useJobWords } from './words';

type Field = NonNullable<TaskError['extensions']['fields']>[number];

function RecordCells({ record, bad }: { record: TaskRow['record']; bad: ReadonlySet<string> }) {
  const { t } = useJobWords();
  if (!record) return null;
  return (
    <dl className="record">
      {record.map((cell) => {
        const isBad = bad.has(cell.column);
        return (
          <div key={cell.column} className={isBad ? 'cell-bad' : undefined} data-column={cell.column} data-bad={isBad || undefined}>
            <dt>{cell.column}{isBad ? <span className="visually-hidden"> ({t('badCell')})</span> : null}</dt>
            <dd>{cell.value === '' ? <span className="hint">∅</span> : cell.value}</dd>
          </div>
        );
      })}
    </dl>
  );
}

function Problems({ error }: { error: TaskError }) {
  const { t, rule } = useJobWords();
  const fields: readonly Field[] = error.extensions.fields ?? [];
  return (
    <>
      {fields.length > 0 ? (
        <ul className="field-problems">
          {fields.map((field, i) => (
            <li key={`${field.column ?? ''}-${i}`}>
              <strong>{field.column ?? t('wholeRecord')}</strong>: {rule(field.rule)}
              {field.value !== null && field.value !== undefined && field.value !== '' ? <> — <code>{field.value}</code></> : null}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="api-message"><span className="visually-hidden">{t('apiMessage')}: </span>{error.message} <code className="problem-code">{error.extensions.code}</code></p>
      {error.extensions.errorId ? <p className="hint">{t('errorId', { id: error.extensions.errorId })}</p> : null}
    </>
  );
}

export function TaskRowView({ task }: { task: TaskRow }) {
  const { taskStatus } = useJobWords();
  const bad = new Set((task.error?.extensions.fields ?? []).flatMap((f) => (f.column ? [f.column] : [])));
  return (
    <tr>
      <th scope="row" className="number">{task.line ?? task.name ?? task.databaseId.slice(0, 8)}</th>
      <td><StatusBadge status={task.status} label={taskStatus(task.status)} /></td>
      <td>{task.error ? <RecordCells record={task.record} bad={bad} /> : null}</td>
      <td>{task.error ? <Problems error={task.error} /> : null}</td>
    </tr>
  );
}
