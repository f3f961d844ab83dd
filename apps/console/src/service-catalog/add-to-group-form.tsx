/**
 * addServiceToGroup: a service of the page shown and an active group. The seed's refusals name
 * the service or the group ("Service should be active !", "Service group is not found!", the
 * inclusion that already exists): each appears at the field it concerns, as sent.
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useMessages } from '../platform/i18n';
import { ProblemMessage } from '../platform/ui';
import { fieldProblems, type FieldProblems } from './field-errors';
import { catalogMessages } from './messages';
import { AddServiceToGroupMutation, GroupChoicesQuery, type ServiceItem } from './operations';

type Field = 'service' | 'group';
const byPath = { '$.serviceId': 'service', '$.serviceGroupId': 'group' } as const satisfies Record<string, Field>;

export function AddToGroupForm({ services, writeDenied, onAdded }: { services: ServiceItem[]; writeDenied: string | null; onAdded: (message: string) => void }) {
  const t = useMessages(catalogMessages);
  const [serviceId, setServiceId] = useState('');
  const [groupId, setGroupId] = useState('');
  const [problems, setProblems] = useState<FieldProblems<Field> | null>(null);
  const [{ data: choices }] = useQuery({ query: GroupChoicesQuery, variables: { name: null } });
  const [result, add] = useMutation(AddServiceToGroupMutation);
  const groups = (choices?.serviceGroups.nodes ?? []).filter((g) => g !== null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblems(null);
    const answer = await add({ input: { serviceId, serviceGroupId: groupId } });
    // An inclusion that already exists is about the pair; it is shown at the service, the field one changes.
    const refused = fieldProblems<Field>(answer.error, byPath, { service: 'service', group: 'group' });
    if (refused) return setProblems(refused);
    const service = services.find((s) => s.id === serviceId)?.name ?? serviceId;
    onAdded(t('added', { service, group: answer.data?.addServiceToGroup?.serviceGroup?.name ?? groupId }));
  }

  const error = (field: Field) => problems?.fields[field];
  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="add-to-group-title">
      <h2 id="add-to-group-title">{t('addTitle')}</h2>
      <div className="field">
        <label htmlFor="inclusion-service">{t('serviceLabel')}</label>
        <select id="inclusion-service" value={serviceId} required onChange={(event) => setServiceId(event.target.value)}
          aria-invalid={error('service') ? true : undefined} aria-describedby={`inclusion-service-hint${error('service') ? ' inclusion-service-error' : ''}`}>
          <option value="">{t('choose')}</option>
          {services.map((s) => <option key={s.id} value={s.id}>{s.code} — {s.name}{s.isActive ? '' : ` (${t('inactive')})`}</option>)}
        </select>
        <span id="inclusion-service-hint" className="hint">{t('serviceHint')}</span>
        {error('service') ? <span id="inclusion-service-error" className="field-error">{error('service')}</span> : null}
      </div>
      <div className="field">
        <label htmlFor="inclusion-group">{t('groupLabel')}</label>
        <select id="inclusion-group" value={groupId} required onChange={(event) => setGroupId(event.target.value)}
          aria-invalid={error('group') ? true : undefined} aria-describedby={error('group') ? 'inclusion-group-error' : undefined}>
          <option value="">{t('choose')}</option>
          {groups.map((g) => <option key={g.id} value={g.id}>{g.code} — {g.name}</option>)}
        </select>
        {error('group') ? <span id="inclusion-group-error" className="field-error">{error('group')}</span> : null}
      </div>
      {problems?.form ? <ProblemMessage message={problems.form.message} code={problems.form.code} /> : null}
      {problems && !problems.form ? <p className="visually-hidden" role="alert">{Object.values(problems.fields).join('. ')}</p> : null}
      <button type="submit" disabled={!serviceId || !groupId || result.fetching || writeDenied !== null} aria-describedby={writeDenied ? 'add-to-group-denied' : undefined}>{t('addButton')}</button>
      {writeDenied ? <p id="add-to-group-denied" className="unavailable">{writeDenied}</p> : null}
    </form>
  );
}
