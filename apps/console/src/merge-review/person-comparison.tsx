/**
 * The two persons side by side, one row per field, each row saying in words whether the values
 * differ (colour alone would not reach a screen reader or a colour-blind reviewer).
 */
import { useFormatters, useMessages } from '../platform/i18n';
import { mergeMessages } from './messages';
import type { PersonItem } from './operations';

const fields = ['lastName', 'firstName', 'birthDate'] as const;

/** Names compare without case or surrounding spaces: "Shevchenko " and "SHEVCHENKO" are the same name. */
const comparable = (value: string | null | undefined): string => (value ?? '').trim().toLocaleLowerCase();

export function PersonComparison({ person, master }: { person: PersonItem; master: PersonItem }) {
  const t = useMessages(mergeMessages);
  const { date } = useFormatters();
  const show = (field: (typeof fields)[number], p: PersonItem) => {
    const value = p[field];
    if (value === null || value === undefined || value === '') return <span className="hint">{t('unknown')}</span>;
    return field === 'birthDate' ? date(`${String(value)}T00:00:00Z`) : String(value);
  };
  return (
    <table className="comparison">
      <caption>{t('compareCaption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('colField')}</th>
          <th scope="col">{t('personHeading')}</th>
          <th scope="col">{t('masterHeading')}</th>
          <th scope="col">{t('colSame')}</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((field) => {
          const differs = comparable(person[field] as string | null) !== comparable(master[field] as string | null);
          return (
            <tr key={field} className={differs ? 'diff-row' : undefined}>
              <th scope="row">{t(field)}</th>
              <td className={differs ? 'diff' : undefined}>{show(field, person)}</td>
              <td className={differs ? 'diff' : undefined}>{show(field, master)}</td>
              <td>{differs ? <strong className="differs">≠ {t('differs')}</strong> : <span className="hint">= {t('same')}</span>}</td>
            </tr>
          );
        })}
        <tr>
          <th scope="row">{t('personId')}</th>
          <td><code>{person.databaseId}</code></td>
          <td><code>{master.databaseId}</code></td>
          <td />
        </tr>
      </tbody>
    </table>
  );
}
