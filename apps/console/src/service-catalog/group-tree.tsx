/**
 * The group tree: groups in keyset pages, each with its parent, its sub-groups and its active
 * services (removable). "Show the sub-groups" walks down through `parentGroup`, with a breadcrumb
 * back up, so a deep catalog is read one level at a time.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphqlProblem, type GraphqlProblem, type VariablesOf } from '../platform/graphql';
import { useMessages } from '../platform/i18n';
import { useKeyset } from '../platform/keyset';
import { Pager, ProblemMessage, StatusBadge } from '../platform/ui';
import { catalogMessages } from './messages';
import { DeleteServiceFromGroupMutation, GroupsQuery, type GroupItem } from './operations';

const pageSize = 10;
type Filter = NonNullable<VariablesOf<typeof GroupsQuery>['filter']>;
interface Crumb { databaseId: string; name: string }

function RemoveService({ group, service, writeDenied, onRemoved }: { group: GroupItem; service: { id: string; name: string; code: string }; writeDenied: string | null; onRemoved: (message: string) => void }) {
  const t = useMessages(catalogMessages);
  const [result, remove] = useMutation(DeleteServiceFromGroupMutation);
  const [problem, setProblem] = useState<GraphqlProblem | null>(null);
  async function run() {
    setProblem(null);
    const answer = await remove({ input: { serviceId: service.id, serviceGroupId: group.id } });
    const refused = graphqlProblem(answer.error);
    if (refused) setProblem(refused);
    else onRemoved(t('removed', { service: service.name, group: group.name }));
  }
  return (
    <li>
      <code>{service.code}</code> {service.name}{' '}
      <button type="button" className="link" disabled={result.fetching || writeDenied !== null} title={writeDenied ?? undefined}
        aria-label={t('removeFrom', { service: service.name, group: group.name })} onClick={() => void run()}>{t('remove')}</button>
      {problem ? <span className="field-error" role="alert"> {problem.message}</span> : null}
    </li>
  );
}

function GroupNode({ group: g, writeDenied, onOpen, onChanged }: { group: GroupItem; writeDenied: string | null; onOpen: (crumb: Crumb) => void; onChanged: (message: string) => void }) {
  const t = useMessages(catalogMessages);
  const subGroups = (g.subGroups.nodes ?? []).filter((s) => s !== null);
  const services = (g.services.nodes ?? []).filter((s) => s !== null);
  return (
    <li className="group-node">
      <details>
        <summary>
          <strong>{g.name}</strong> <code>{g.code}</code> <StatusBadge status={g.isActive ? 'active' : 'inactive'} label={t(g.isActive ? 'active' : 'inactive')} />
          <span className="hint"> · {t('parent')}: {g.parentGroup ? g.parentGroup.name : t('topLevel')} · {t('countServices', { n: `${services.length}${g.services.pageInfo.hasNextPage ? '+' : ''}` })} · {t('countSubGroups', { n: `${subGroups.length}${g.subGroups.pageInfo.hasNextPage ? '+' : ''}` })}</span>
        </summary>
        <div className="group-body">
          <h3>{t('servicesInGroup')}</h3>
          {services.length === 0 ? <p className="hint">{t('noServicesInGroup')}</p> : (
            <ul>
              {services.map((s) => <RemoveService key={s.id} group={g} service={s} writeDenied={writeDenied} onRemoved={onChanged} />)}
              {g.services.pageInfo.hasNextPage ? <li className="hint">{t('more')}</li> : null}
            </ul>
          )}
          <h3>{t('subGroups')}</h3>
          {subGroups.length === 0 ? <p className="hint">{t('noSubGroups')}</p> : (
            <ul>
              {subGroups.map((s) => <li key={s.id}>{s.name} <code>{s.code}</code>{s.isActive ? '' : ` (${t('inactive')})`}</li>)}
              {g.subGroups.pageInfo.hasNextPage ? <li className="hint">{t('more')}</li> : null}
            </ul>
          )}
          {subGroups.length > 0 ? <button type="button" className="secondary" onClick={() => onOpen({ databaseId: g.databaseId, name: g.name })}>{t('openSubGroups', { name: g.name })}</button> : null}
        </div>
      </details>
    </li>
  );
}

export function GroupTree({ writeDenied, refreshKey, onChanged }: { writeDenied: string | null; refreshKey: number; onChanged: (message: string) => void }) {
  const t = useMessages(catalogMessages);
  const keyset = useKeyset(pageSize);
  const [path, setPath] = useState<Crumb[]>([]);
  const [form, setForm] = useState({ name: '', parentName: '' });
  const [search, setSearch] = useState({ name: '', parentName: '' });
  const under = path.at(-1);
  const filter: Filter = {
    ...(search.name ? { name: search.name } : {}),
    ...(under ? { parentGroup: { databaseId: under.databaseId } } : search.parentName ? { parentGroup: { name: search.parentName } } : {}),
  };
  const [{ data, error }, refetch] = useQuery({ query: GroupsQuery, variables: { ...keyset.variables, filter } });
  useEffect(() => {
    if (refreshKey > 0) refetch({ requestPolicy: 'network-only' });
  }, [refreshKey, refetch]);
  const problem = graphqlProblem(error);
  const groups = (data?.serviceGroups.nodes ?? []).filter((g) => g !== null);
  const goTo = (next: Crumb[]) => { setPath(next); keyset.reset(); };

  function apply(event: FormEvent) {
    event.preventDefault();
    setSearch({ name: form.name.trim(), parentName: form.parentName.trim() });
    keyset.reset();
  }

  return (
    <section aria-labelledby="groups-title">
      <h2 id="groups-title">{t('groupsTitle')}</h2>
      <nav aria-label={t('breadcrumb')} className="breadcrumb">
        <ol>
          <li>{path.length === 0 ? <span aria-current="location">{t('allGroups')}</span> : <button type="button" className="link" onClick={() => goTo([])}>{t('allGroups')}</button>}</li>
          {path.map((crumb, i) => (
            <li key={crumb.databaseId}>
              {i === path.length - 1 ? <span aria-current="location">{crumb.name}</span> : <button type="button" className="link" onClick={() => goTo(path.slice(0, i + 1))}>{crumb.name}</button>}
            </li>
          ))}
        </ol>
      </nav>
      <form className="toolbar" onSubmit={apply} role="search" aria-label={t('groupsTitle')}>
        <div className="field">
          <label htmlFor="group-filter-name">{t('filterGroupName')}</label>
          <input id="group-filter-name" value={form.name} maxLength={100} onChange={(event) => setForm({ ...form, name: event.target.value })} />
        </div>
        {under ? null : (
          <div className="field">
            <label htmlFor="group-filter-parent">{t('filterParentName')}</label>
            <input id="group-filter-parent" value={form.parentName} maxLength={100} onChange={(event) => setForm({ ...form, parentName: event.target.value })} />
          </div>
        )}
        <button type="submit">{t('apply')}</button>
      </form>
      {problem ? <ProblemMessage message={problem.message} code={problem.code} /> : null}
      <h3 className="visually-hidden">{under ? t('groupsUnder', { name: under.name }) : t('groupsCaption')}</h3>
      <ul className="group-tree" aria-label={under ? t('groupsUnder', { name: under.name }) : t('groupsCaption')}>
        {groups.map((g) => <GroupNode key={g.id} group={g} writeDenied={writeDenied} onOpen={(crumb) => goTo([...path, crumb])} onChanged={(message) => { onChanged(message); refetch({ requestPolicy: 'network-only' }); }} />)}
      </ul>
      {data && groups.length === 0 ? <p className="hint">{t('noGroups')}</p> : null}
      <Pager {...keyset.pager(data?.serviceGroups.pageInfo)} />
    </section>
  );
}
