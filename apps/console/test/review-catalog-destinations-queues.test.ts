/**
 * The merge review, service catalog, destinations and queues pages in Debian's Chromium, against a
 * real api serving the built console and a real worker (assignments and destination transitions
 * run there), one platform and one browser for the file. Each page is checked with axe-core and
 * photographed into test/screenshots/.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developmentJwtSecret, signAccessToken } from '@jabba/domain/identity';
import { startConsole, type Identity, type TestConsole } from './support/console';
import { checkAccessibility, screenshot } from './support/page-checks';

let ui: TestConsole;

beforeAll(async () => {
  ui = await startConsole({ worker: true });
}, 60_000);

afterAll(() => ui?.stop());

const sql = <R>(text: string, values: unknown[] = []): Promise<R[]> => ui.platform.sql<R>(text, values);

/** Another user of `who`'s client, with `scopes` (destinations belong to a client). */
const colleague = async (who: Identity, scopes: string[]): Promise<Identity> =>
  ({ ...who, userId: randomUUID(), scopes, token: await signAccessToken(developmentJwtSecret, { userId: randomUUID(), clientId: who.clientId, scopes }) });

describe('merge review', () => {
  const reviewerScopes = ['merge_request:read', 'merge_request:write', 'merge_candidate:assign'];

  /** A NEW candidate pairing Taras Shevchenko (1814) with a master record that differs in the first name. */
  async function candidate(): Promise<string> {
    const [person, master] = [randomUUID(), randomUUID()];
    await sql(`insert into persons (id, first_name, last_name, birth_date) values (?, 'Taras', 'Shevchenko', '1814-03-09'), (?, 'Taras H.', 'Shevchenko', '1814-03-09')`, [person, master]);
    const [row] = await sql<{ id: string }>(
      'insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id) values (?, ?, ?) returning id', [randomUUID(), person, master],
    );
    return row!.id;
  }

  it('a reviewer takes the next candidate, sees what differs, is refused a second one, and decides', async () => {
    const candidateId = await candidate();
    const reviewer = await ui.identity({ scopes: reviewerScopes, roles: ['NHS_REVIEWER'] });
    const page = await ui.signedInPage(reviewer, '/merge-review');
    await page.getByRole('heading', { name: 'Merge review' }).waitFor();
    await expect.poll(() => page.getByText('You have no open requests.').isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Take next candidate' }).click();
    await page.getByRole('status').filter({ hasText: 'A new candidate was assigned to you.' }).waitFor();
    const comparison = page.getByRole('table', { name: 'The two persons, field by field' });
    await expect.poll(() => comparison.getByRole('row', { name: /First name/ }).innerText()).toMatch(/Taras\s+Taras H\.\s+≠ Differs/);
    expect(await comparison.getByRole('row', { name: /Last name/ }).innerText()).toMatch(/Shevchenko\s+Shevchenko\s+= Same/);
    await expect.poll(() => page.getByRole('table', { name: /Your open merge requests/ }).getByRole('row').count()).toBe(2);
    await checkAccessibility(page);
    await screenshot(page, 'merge-review-assigned');

    // The rule holds in the worker: one NEW request at a time, and its message is shown as sent.
    await page.getByRole('button', { name: 'Take next candidate' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('new request is already present');

    await page.getByRole('radio', { name: /Merge — they are the same person/ }).check();
    await page.getByLabel('Comment').fill('Same birth date and surname; the middle initial is a typo.');
    await page.getByRole('button', { name: 'Record decision' }).click();
    await page.getByRole('status').filter({ hasText: 'Recorded: MERGE.' }).waitFor();
    await page.getByText('You have no open requests.').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    const rows = await sql<{ status: string; comment: string }>(
      'select status, comment from manual_merge_requests where manual_merge_candidate_id = ? and assignee_id = ?', [candidateId, reviewer.userId],
    );
    expect(rows).toEqual([{ status: 'MERGE', comment: 'Same birth date and surname; the middle initial is a typo.' }]);
    await screenshot(page, 'merge-review-decided');
    await page.context().close();
  });

  it('without the NHS_REVIEWER role the actions are disabled with the reason', async () => {
    const reader = await ui.identity({ scopes: reviewerScopes });
    const page = await ui.signedInPage(reader, '/merge-review');
    const take = page.getByRole('button', { name: 'Take next candidate' });
    await take.waitFor();
    expect(await take.isDisabled()).toBe(true);
    expect(await page.getByText('you do not hold the role NHS_REVIEWER').isVisible()).toBe(true);
    await page.context().close();
  });
});

describe('service catalog', () => {
  it('refuses a bad service at its fields, creates one, and adds it to a group', async () => {
    const editor = await ui.identity({ scopes: ['service_catalog:read', 'service_catalog:write'] });
    const code = `LAB-${randomUUID().slice(0, 6)}`;
    const created = await ui.graphql(editor.token, 'mutation { createServiceGroup(input: {name: "Laboratory", code: "GRP-LAB", requestAllowed: true}) { serviceGroup { id } } }');
    expect(created.errors).toBeUndefined();
    const page = await ui.signedInPage(editor, '/catalog');
    await page.getByRole('heading', { name: 'Service catalog' }).waitFor();

    const form = page.getByRole('form', { name: 'New service' });
    await form.getByLabel('Code').fill(code);
    await form.getByLabel('Category').fill('astrology');
    await form.getByRole('button', { name: 'Create service' }).click();
    // Every problem the api names, at its own field, in the api's words.
    await expect.poll(() => form.locator('#service-name-error').innerText()).toBe('is required');
    expect(await form.locator('#service-category-error').innerText()).toBe('is not in the SERVICE_CATEGORY dictionary');
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'catalog-field-errors');

    await form.getByLabel('Name').fill('Complete blood count');
    await form.getByLabel('Category').fill('laboratory_procedure');
    await form.getByRole('button', { name: 'Create service' }).click();
    await page.getByRole('status').filter({ hasText: `Service ${code} “Complete blood count” created.` }).waitFor();
    const services = page.getByRole('table', { name: 'Services matching the filters' });
    await services.getByRole('row', { name: /Complete blood count/ }).waitFor();

    const add = page.getByRole('form', { name: 'Add a service to a group' });
    await add.getByLabel('Service', { exact: true }).selectOption({ label: `${code} — Complete blood count` });
    await add.getByLabel('Group').selectOption({ label: 'GRP-LAB — Laboratory' });
    await add.getByRole('button', { name: 'Add to group' }).click();
    await page.getByRole('status').filter({ hasText: 'Complete blood count added to Laboratory.' }).waitFor();
    await expect.poll(() => services.getByRole('row', { name: /Complete blood count/ }).innerText()).toContain('Laboratory');

    // The same inclusion again: the seed's CONFLICT, at the service field.
    await add.getByRole('button', { name: 'Add to group' }).click();
    await expect.poll(() => add.locator('#inclusion-service-error').innerText()).toBe('Service is already included in the service group');

    const group = page.getByRole('list', { name: 'Service groups' }).getByRole('listitem').filter({ hasText: 'GRP-LAB' }).first();
    await group.locator('summary').click();
    await group.getByRole('button', { name: 'Remove Complete blood count from Laboratory' }).waitFor();
    await checkAccessibility(page);
    await screenshot(page, 'catalog-added-to-group');
    await page.context().close();
  });
});

describe('destinations', () => {
  it('offers only allowed transitions, disabled without the scope, and activates with it', async () => {
    const creator = await ui.identity({ scopes: ['create_destination'] });
    const page = await ui.signedInPage(creator, '/destinations');
    await page.getByLabel('Name').fill('Bauamt Musterstadt');
    await page.getByRole('button', { name: 'Create destination' }).click();
    await page.getByRole('status').filter({ hasText: 'Destination “Bauamt Musterstadt” created.' }).waitFor();
    const [created] = await sql<{ id: string }>(`select id from destinations where name = 'Bauamt Musterstadt'`);
    const id = created!.id;
    const activate = page.getByRole('button', { name: 'Activate Bauamt Musterstadt' });
    await activate.waitFor();
    expect(await activate.isDisabled()).toBe(true);
    expect(await page.getByText(`your token lacks the scope manage:destination:${id}`).isVisible()).toBe(true);
    await page.context().close();

    // Inactive for 10 days: decommissioning is offered only from the date the api gives.
    const [inactive] = await sql<{ id: string; from: string }>(
      `insert into destinations (name, client_id, status, status_changed_at) values ('Standesamt', ?, 'inactive', now() - interval '10 days')
       returning id, to_char((status_changed_at + interval '30 days') at time zone 'UTC', 'YYYY-MM-DD') as from`, [creator.clientId],
    );
    const manager = await colleague(creator, ['create_destination', `manage:destination:${id}`, `manage:destination:${inactive!.id}`]);
    const managed = await ui.signedInPage(manager, '/destinations');
    const standesamt = managed.getByRole('row', { name: /Standesamt/ });
    const decommission = standesamt.getByRole('button', { name: 'Decommission Standesamt' });
    await decommission.waitFor();
    expect(await decommission.isDisabled()).toBe(true);
    expect(await standesamt.getByRole('button', { name: 'Activate Standesamt' }).isDisabled()).toBe(false);
    const day = new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(new Date(`${inactive!.from}T12:00:00Z`));
    expect(await standesamt.innerText()).toContain(`allowed from ${day}`);
    // Nothing but the state machine's transitions: a created destination can only be activated.
    const bauamt = managed.getByRole('row', { name: /Bauamt Musterstadt/ });
    expect(await bauamt.getByRole('button').allInnerTexts()).toEqual(['Activate']);

    await bauamt.getByRole('button', { name: 'Activate Bauamt Musterstadt' }).click();
    await managed.getByRole('status').filter({ hasText: 'Bauamt Musterstadt is now active.' }).waitFor();
    await expect.poll(() => bauamt.getByRole('button').allInnerTexts()).toEqual(['Deactivate']);
    expect(await sql('select status from destinations where id = ?', [id])).toEqual([{ status: 'active' }]);
    await checkAccessibility(managed);
    await screenshot(managed, 'destinations-activated');
    await managed.context().close();
  });
});

describe('queues', () => {
  it('shows every queue with its counts and the reconciler’s last run', async () => {
    const operator = await ui.identity({ scopes: ['queues:read'] });
    const page = await ui.signedInPage(operator, '/queues');
    const table = page.getByRole('table', { name: 'Jobs per queue' });
    const tasks = table.getByRole('row', { name: /jabba-tasks/ });
    await tasks.waitFor();
    expect(await table.getByRole('columnheader').allInnerTexts()).toEqual(['Queue', 'Waiting', 'Active', 'Delayed', 'Failed', 'Completed', 'Paused']);
    expect(await tasks.getByRole('cell').allInnerTexts()).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), 'running']);
    // The worker reconciles as it starts, so there is a last run to show.
    await expect.poll(() => page.getByRole('region', { name: 'Reconciler' }).innerText()).not.toContain('has not run yet');
    await checkAccessibility(page);
    await screenshot(page, 'queues');
    await page.context().close();
  });
});
