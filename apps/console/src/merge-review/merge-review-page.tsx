/**
 * Manual merge review (SPEC §5) for a reviewer: take the next candidate (a worker picks it, see
 * README), compare the two persons, decide or postpone with a comment, and see one's open
 * requests. Controls the token cannot use are disabled with the reason; the api's rule messages
 * ("new request is already present", the postponed limit, none eligible) are shown as sent.
 */
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphqlProblem, type GraphqlProblem } from '../platform/graphql';
import { useFormatters, useMessages } from '../platform/i18n';
import { useKeyset } from '../platform/keyset';
import { Pager, ProblemMessage, StatusBadge, useDenial } from '../platform/ui';
import { mergeReviewAccess } from './access';
import { DecisionForm } from './decision-form';
import { mergeMessages } from './messages';
import { AssignMutation, MyRequestsQuery, type MergeRequestItem, type PersonItem } from './operations';
import { PersonComparison } from './person-comparison';

const pageSize = 20;

const fullName = (p: PersonItem): string => [p.lastName, p.firstName].filter(Boolean).join(' ') || p.databaseId.slice(0, 8);

function TakeNext({ canAssignNew, onAssigned }: { canAssignNew: boolean | undefined; onAssigned: (request: MergeRequestItem) => void }) {
  const t = useMessages(mergeMessages);
  const denied = useDenial(mergeReviewAccess.assign);
  const [result, assign] = useMutation(AssignMutation);
  const [problem, setProblem] = useState<GraphqlProblem | null>(null);

  async function take() {
    setProblem(null);
    const answer = await assign({});
    const refused = graphqlProblem(answer.error);
    if (refused) setProblem(refused);
    else if (answer.data?.assignMergeCandidate) onAssigned(answer.data.assignMergeCandidate.mergeRequest);
  }

  return (
    <div className="card">
      <div className="toolbar">
        <button type="button" onClick={() => void take()} disabled={result.fetching || denied !== null} aria-describedby={denied ? 'take-denied' : canAssignNew === false ? 'take-hint' : undefined}>
          {t('takeNext')}
        </button>
        {result.fetching ? <span role="status">{t('taking')}</span> : null}
      </div>
      {denied ? <p id="take-denied" className="unavailable">{denied}</p> : null}
      {!denied && canAssignNew === false ? <p id="take-hint" className="hint">{t('cannotAssign')}</p> : null}
      {problem ? <ProblemMessage message={problem.message} code={problem.code} onDismiss={() => setProblem(null)} /> : null}
    </div>
  );
}

export default function MergeReviewPage() {
  const t = useMessages(mergeMessages);
  const { dateTime } = useFormatters();
  const keyset = useKeyset(pageSize);
  const [{ data, error }, refetch] = useQuery({ query: MyRequestsQuery, variables: keyset.variables });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // A decision makes the last refusal of "take next" stale: the button starts afresh.
  const [decisionCount, setDecisionCount] = useState(0);
  const problem = graphqlProblem(error);
  // A request just decided stays on screen in its old status until the list is read again: hide that stale row.
  const [decided, setDecided] = useState<ReadonlySet<string>>(new Set());
  const requests = (data?.mergeRequests.nodes ?? []).filter((r) => r !== null).filter((r) => !decided.has(`${r.databaseId}:${r.status}`));
  const reload = () => refetch({ requestPolicy: 'network-only' });
  // Without a choice, the request waiting for a decision is the one under review.
  const selected = requests.find((r) => r.databaseId === selectedId) ?? (selectedId === null ? requests.find((r) => r.status === 'NEW') : undefined);

  return (
    <>
      <h1>{t('title')}</h1>
      <p className="hint">{t('intro')}</p>
      <TakeNext key={decisionCount} canAssignNew={data?.mergeRequests.canAssignNew} onAssigned={(request) => { setSelectedId(request.databaseId); setNotice(t('taken')); reload(); }} />
      <p role="status" className="notice">{notice}</p>
      {problem ? <ProblemMessage message={problem.message} code={problem.code} /> : null}

      <section className="card" aria-labelledby="review-title">
        <h2 id="review-title">{t('reviewTitle')}</h2>
        {selected ? (
          <>
            <p><StatusBadge status={selected.status} /> <span className="hint">{dateTime(selected.insertedAt)}</span></p>
            <PersonComparison person={selected.manualMergeCandidate.mergeCandidate.person} master={selected.manualMergeCandidate.mergeCandidate.masterPerson} />
            <DecisionForm key={selected.databaseId} request={selected} onDecided={(status) => { setDecided((set) => new Set(set).add(`${selected.databaseId}:${selected.status}`)); setSelectedId(null); setDecisionCount((n) => n + 1); setNotice(t('decided', { status })); reload(); }} />
          </>
        ) : <p className="hint">{t('selectRequest')}</p>}
      </section>

      <h2>{t('myRequests')}</h2>
      <table>
        <caption>{t('myRequestsCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('colPerson')}</th>
            <th scope="col">{t('colMaster')}</th>
            <th scope="col">{t('colStatus')}</th>
            <th scope="col">{t('colAssigned')}</th>
            <th scope="col">{t('colComment')}</th>
            <th scope="col">{t('colReview')}</th>
          </tr>
        </thead>
        <tbody>
          {requests.map((r) => {
            const pair = r.manualMergeCandidate.mergeCandidate;
            const current = r.databaseId === selected?.databaseId;
            return (
              <tr key={r.databaseId} aria-current={current ? 'true' : undefined}>
                <th scope="row">{fullName(pair.person)}</th>
                <td>{fullName(pair.masterPerson)}</td>
                <td><StatusBadge status={r.status} /></td>
                <td>{dateTime(r.insertedAt)}</td>
                <td>{r.comment ?? '—'}</td>
                <td>
                  {current ? <span className="hint">{t('reviewing')}</span>
                    : <button type="button" className="secondary" onClick={() => setSelectedId(r.databaseId)} aria-label={`${t('review')}: ${fullName(pair.person)} / ${fullName(pair.masterPerson)}`}>{t('review')}</button>}
                </td>
              </tr>
            );
          })}
          {data && requests.length === 0 ? <tr><td colSpan={6}>{t('noRequests')}</td></tr> : null}
        </tbody>
      </table>
      <Pager {...keyset.pager(data?.mergeRequests.pageInfo)} />
    </>
  );
}
