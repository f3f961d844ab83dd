/**
 * The services: the seed's filters (name and category substring, code prefix, active) and orders,
 * keyset pages, and per row the two changes a service allows — `requestAllowed` and deactivation.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphqlProblem, type GraphqlProblem, type VariablesOf } from '../platform/graphql';
import { useMessages } from '../platform/i18n';
import { useKeyset } from '../platform/keyset';
import { Pager, ProblemMessage, StatusBadge } from '../platform/ui';
import { catalogMessages } from './messages';
import { DeactivateServiceMutation, ServicesQuery, UpdateServiceMutation, type ServiceItem } from './operations';

const pageSize = 20;
const orders = ['INSERTED_AT_DESC', 'INSERTED_AT_ASC', 'CODE_ASC', 'CODE_DESC', 'NAME_ASC', 'NAME_DESC'] as const;
type Order = (typeof orders)[number];
type Filter = NonNullable<VariablesOf<typeof ServicesQuery>['filter']>;

interface FilterForm { name: string; category: string; code: string; active: '' | 'true' | 'false' }

const filterOf = (f: FilterForm): Filter => ({
  ...(f.name.trim() ? { name: f.name.trim() } : {}),
  ...(f.category.trim() ? { category: f.category.trim() } : {}),
  ...(f.code.trim() ? { code: f.code.trim() } : {}),
  ...(f.active ? { isActive: f.active === 'true' } : {}),
});

function ServiceRow({ service: s, writeDenied, onChanged }: { service: ServiceItem; writeDenied: string | null; onChanged: (message: string) => void }) {
  const t = useMessages(catalogMessages);
  const [update, updateService] = useMutation(UpdateServiceMutation);
  const [deactivation, deactivateService] = useMutation(DeactivateServiceMutation);
  const [problem, setProblem] = useState<GraphqlProblem | null>(null);
  const busy = update.fetching || deactivation.fetching;
  const locked = writeDenied !== null || !s.isActive || busy;
  const errorId = `service-${s.databaseId}-error`;

  async function setRequestAllowed(requestAllowed: boolean) {
    setProblem(null);
    const answer = await updateService({ input: { id: s.id, requestAllowed } });
    const refused = graphqlProblem(answer.error);
    if (refused) setProblem(refused);
    else onChanged(t('updated', { name: s.name, state: t(requestAllowed ? 'allowed' : 'notAllowed') }));
  }

  async function deactivate() {
    setProblem(null);
    const answer = await deactivateService({ input: { id: s.id } });
    const refused = graphqlProblem(answer.error);
    if (refused) setProblem(refused);
    else onChanged(t('deactivated', { name: s.name }));
  }

  const groups = (s.serviceGroups.nodes ?? []).filter((g) => g !== null);
  return (
    <tr>
      <td><code>{s.code}</code></td>
      <th scope="row">{s.name}</th>
      <td>{s.category ?? '—'}</td>
      <td><StatusBadge status={s.isActive ? 'active' : 'inactive'} label={t(s.isActive ? 'active' : 'inactive')} /></td>
      <td>
        <input type="checkbox" checked={s.requestAllowed ?? false} disabled={locked} aria-label={t('requestAllowedFor', { name: s.name })}
          aria-describedby={problem ? errorId : undefined} onChange={(event) => void setRequestAllowed(event.target.checked)} />
      </td>
      <td>{groups.length > 0 ? groups.map((g) => g.name).join(', ') : '—'}</td>
      <td>
        {s.isActive ? (
          <button type="button" className="danger" disabled={locked} aria-label={t('deactivateFor', { name: s.name })} onClick={() => void deactivate()}>
            {t('deactivate')}
          </button>
        ) : null}
        {problem ? <p id={errorId} className="field-error" role="alert">{problem.message} <code className="problem-code">{problem.code}</code></p> : null}
      </td>
    </tr>
  );
}

export function ServicesPanel({ writeDenied, onServices, refreshKey, onChanged }: { writeDenied: string | null; onServices: (services: ServiceItem[]) => void; refreshKey: number; onChanged: (message: string) => void }) {
  const t = useMessages(catalogMessages);
  const keyset = useKeyset(pageSize);
  const [form, setForm] = useState<FilterForm>({ name: '', category: '', code: '', active: '' });
  const [filter, setFilter] = useState<Filter>({});
  const [orderBy, setOrderBy] = useState<Order>('INSERTED_AT_DESC');
  const [{ data, error }, refetch] = useQuery({ query: ServicesQuery, variables: { ...keyset.variables, filter, orderBy } });
  const services = (data?.services.nodes ?? []).filter((s) => s !== null);
  useEffect(() => {
    if (data) onServices((data.services.nodes ?? []).filter((s) => s !== null));
  }, [data, onServices]);
  // Another panel changed the catalog (a service created): ask again.
  useEffect(() => {
    if (refreshKey > 0) refetch({ requestPolicy: 'network-only' });
  }, [refreshKey, refetch]);
  const problem = graphqlProblem(error);

  function apply(event: FormEvent) {
    event.preventDefault();
    setFilter(filterOf(form));
    keyset.reset();
  }
  const text = (key: 'name' | 'category' | 'code', label: string) => (
    <div className="field">
      <label htmlFor={`service-filter-${key}`}>{label}</label>
      <input id={`service-filter-${key}`} value={form[key]} maxLength={100} onChange={(event) => setForm({ ...form, [key]: event.target.value })} />
    </div>
  );

  return (
    <section aria-labelledby="services-title">
      <h2 id="services-title">{t('servicesTitle')}</h2>
      <form className="toolbar" onSubmit={apply} role="search" aria-label={t('servicesTitle')}>
        {text('name', t('filterName'))}
        {text('category', t('filterCategory'))}
        {text('code', t('filterCode'))}
        <div className="field">
          <label htmlFor="service-filter-active">{t('filterActive')}</label>
          <select id="service-filter-active" value={form.active} onChange={(event) => setForm({ ...form, active: event.target.value as FilterForm['active'] })}>
            <option value="">{t('any')}</option>
            <option value="true">{t('yes')}</option>
            <option value="false">{t('no')}</option>
          </select>
        </div>
        <button type="submit">{t('apply')}</button>
        <div className="field">
          <label htmlFor="service-order">{t('orderLabel')}</label>
          <select id="service-order" value={orderBy} onChange={(event) => { setOrderBy(event.target.value as Order); keyset.reset(); }}>
            {orders.map((o) => <option key={o} value={o}>{t(o)}</option>)}
          </select>
        </div>
      </form>
      {problem ? <ProblemMessage message={problem.message} code={problem.code} /> : null}
      <table>
        <caption>{t('servicesCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('colCode')}</th>
            <th scope="col">{t('colName')}</th>
            <th scope="col">{t('colCategory')}</th>
            <th scope="col">{t('colActive')}</th>
            <th scope="col">{t('colRequestAllowed')}</th>
            <th scope="col">{t('colGroups')}</th>
            <th scope="col">{t('colActions')}</th>
          </tr>
        </thead>
        <tbody>
          {services.map((s) => <ServiceRow key={s.id} service={s} writeDenied={writeDenied} onChanged={(message) => { onChanged(message); refetch({ requestPolicy: 'network-only' }); }} />)}
          {data && services.length === 0 ? <tr><td colSpan={7}>{t('noServices')}</td></tr> : null}
        </tbody>
      </table>
      <Pager {...keyset.pager(data?.services.pageInfo)} />
    </section>
  );
}
