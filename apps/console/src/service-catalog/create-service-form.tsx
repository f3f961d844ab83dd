/**
 * createService: name, code, category, the two flags. The api checks every field at once and names
 * each that is wrong (`inputErrors`); each message appears at its field, as sent.
 */
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useMessages } from '../platform/i18n';
import { ProblemMessage } from '../platform/ui';
import { fieldProblems, type FieldProblems } from './field-errors';
import { catalogMessages } from './messages';
import { CreateServiceMutation, knownCategories } from './operations';

type Field = 'name' | 'code' | 'category';
const byPath = { '$.name': 'name', '$.code': 'code', '$.category': 'category' } as const satisfies Record<string, Field>;

export function CreateServiceForm({ writeDenied, onCreated }: { writeDenied: string | null; onCreated: (message: string) => void }) {
  const t = useMessages(catalogMessages);
  const [values, setValues] = useState({ name: '', code: '', category: '', requestAllowed: true, isComposition: false });
  const [problems, setProblems] = useState<FieldProblems<Field> | null>(null);
  const [result, create] = useMutation(CreateServiceMutation);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblems(null);
    const answer = await create({
      input: {
        name: values.name, code: values.code, requestAllowed: values.requestAllowed, isComposition: values.isComposition,
        ...(values.category.trim() ? { category: values.category.trim() } : {}),
      },
    });
    const refused = fieldProblems<Field>(answer.error, byPath);
    if (refused) return setProblems(refused);
    const created = answer.data?.createService?.service;
    if (created) onCreated(t('createdService', { code: created.code, name: created.name }));
    setValues({ ...values, name: '', code: '', category: '' });
  }

  const text = (field: Field, label: string, extra: { hint?: string; list?: string; maxLength: number }) => {
    const error = problems?.fields[field];
    const described = [extra.hint ? `service-${field}-hint` : null, error ? `service-${field}-error` : null].filter(Boolean).join(' ');
    return (
      <div className="field">
        <label htmlFor={`service-${field}`}>{label}</label>
        <input id={`service-${field}`} value={values[field]} maxLength={extra.maxLength} list={extra.list}
          aria-invalid={error ? true : undefined} aria-describedby={described || undefined}
          onChange={(event) => setValues({ ...values, [field]: event.target.value })} />
        {extra.hint ? <span id={`service-${field}-hint`} className="hint">{extra.hint}</span> : null}
        {error ? <span id={`service-${field}-error`} className="field-error">{error}</span> : null}
      </div>
    );
  };

  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="create-service-title" noValidate>
      <h2 id="create-service-title">{t('createTitle')}</h2>
      {text('name', t('nameLabel'), { maxLength: 200 })}
      {text('code', t('codeLabel'), { maxLength: 300 })}
      {text('category', t('categoryLabel'), { hint: t('categoryHint'), list: 'service-categories', maxLength: 255 })}
      <datalist id="service-categories">{knownCategories.map((c) => <option key={c} value={c} />)}</datalist>
      <div className="checks">
        <label><input type="checkbox" checked={values.requestAllowed} onChange={(event) => setValues({ ...values, requestAllowed: event.target.checked })} /> {t('requestAllowedLabel')}</label>
        <label><input type="checkbox" checked={values.isComposition} onChange={(event) => setValues({ ...values, isComposition: event.target.checked })} /> {t('isCompositionLabel')}</label>
      </div>
      {problems?.form ? <ProblemMessage message={problems.form.message} code={problems.form.code} /> : null}
      {problems && !problems.form ? <p className="visually-hidden" role="alert">{Object.values(problems.fields).join('. ')}</p> : null}
      <button type="submit" disabled={result.fetching || writeDenied !== null} aria-describedby={writeDenied ? 'create-service-denied' : undefined}>{t('createButton')}</button>
      {writeDenied ? <p id="create-service-denied" className="unavailable">{writeDenied}</p> : null}
    </form>
  );
}
