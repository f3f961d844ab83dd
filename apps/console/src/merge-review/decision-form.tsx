/**
 * MERGE / SPLIT / TRASH / POSTPONE with a comment, for the request under review. POSTPONE is only
 * offered for a NEW request (POSTPONE → POSTPONE is not a transition). The api's refusal is shown
 * as it was sent.
 */
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphqlProblem } from '../platform/graphql';
import { useMessages } from '../platform/i18n';
import { ProblemMessage, useDenial } from '../platform/ui';
import { mergeReviewAccess } from './access';
import { mergeMessages } from './messages';
import { DecideMutation, decisions, type Decision, type MergeRequestItem } from './operations';

export function DecisionForm({ request, onDecided }: { request: MergeRequestItem; onDecided: (status: Decision) => void }) {
  const t = useMessages(mergeMessages);
  const denied = useDenial(mergeReviewAccess.decide);
  const [decision, setDecision] = useState<Decision | null>(null);
  const [comment, setComment] = useState('');
  const [result, decide] = useMutation(DecideMutation);
  const [problem, setProblem] = useState<{ message: string; code: string } | null>(null);
  const offered = decisions.filter((d) => d !== 'POSTPONE' || request.status === 'NEW');

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!decision) return;
    setProblem(null);
    const answer = await decide({ input: { id: request.id, status: decision, ...(comment.trim() ? { comment: comment.trim() } : {}) } });
    const refused = graphqlProblem(answer.error);
    if (refused) setProblem(refused);
    else onDecided(decision);
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="decision">
      <fieldset>
        <legend>{t('decisionLegend')}</legend>
        {offered.map((d) => (
          <label key={d} className="choice">
            <input type="radio" name={`decision-${request.databaseId}`} value={d} checked={decision === d} onChange={() => setDecision(d)} />
            {' '}{t(d)}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`comment-${request.databaseId}`}>{t('commentLabel')}</label>
        <textarea id={`comment-${request.databaseId}`} rows={3} maxLength={2000} value={comment} onChange={(event) => setComment(event.target.value)}
          aria-describedby={`comment-hint-${request.databaseId}`} />
        <span id={`comment-hint-${request.databaseId}`} className="hint">{t('commentHint')}</span>
      </div>
      {problem ? <ProblemMessage message={problem.message} code={problem.code} /> : null}
      <button type="submit" disabled={!decision || result.fetching || denied !== null} aria-describedby={denied ? 'decide-denied' : undefined}>{t('submit')}</button>
      {denied ? <p id="decide-denied" className="unavailable">{denied}</p> : null}
    </form>
  );
}
