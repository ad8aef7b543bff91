// The back office's page: plain browser JavaScript, no build step and no network beyond this
// service. The admin token is pasted once and kept in this tab's sessionStorage only; every call
// sends it as a bearer token. Views are addressed by the URL's hash, so links, the keyboard and
// the browser's back button all work: #tx/ID, #user/NAME?filters, #round/ROUND?user=U, #stuck, #daily/DATE.
'use strict';

const TOKEN_KEY = 'exwallet.adminToken';
const $ = (id) => document.getElementById(id);
const results = () => $('results');

function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function showTokenState() {
  const set = token() !== '';
  $('token-form').hidden = set;
  $('token-state').hidden = !set;
}

function status(text, error = false) {
  const el = $('status');
  el.textContent = text;
  el.className = error ? 'error' : '';
}

async function api(path) {
  if (token() === '') throw new Error('paste the admin token first');
  const response = await fetch(path, { headers: { authorization: `Bearer ${token()}` } });
  if (response.status === 401) throw new Error('the token was refused');
  const body = await response.json().catch(() => ({}));
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function link(text, hash, className) {
  return el('a', { href: hash, ...(className ? { class: className } : {}), text });
}

const enc = encodeURIComponent;
const roundHash = (round, user) => `#round/${enc(round)}${user ? `?user=${enc(user)}` : ''}`;

function table(caption, headers, rows, className) {
  const t = el('table', className ? { class: className } : {});
  t.append(el('caption', { text: caption }));
  const head = el('tr');
  for (const h of headers) head.append(el('th', { scope: 'col', text: h.label, ...(h.num ? { class: 'num' } : {}) }));
  t.append(el('thead', {}, head));
  const body = el('tbody');
  for (const row of rows) body.append(row);
  t.append(body);
  return t;
}

function cell(value, num) {
  const td = el('td', num ? { class: 'num' } : {});
  if (value instanceof Node) td.append(value);
  else td.textContent = value === null || value === undefined ? '' : String(value);
  return td;
}

const TX_HEADERS = [
  { label: 'Created (UTC)' }, { label: 'Transaction' }, { label: 'Kind' }, { label: 'Amount', num: true }, { label: 'Currency' },
  { label: 'Balance', num: true }, { label: 'Round' }, { label: 'Game' }, { label: 'State' }, { label: 'Free' },
];

function txRow(r) {
  const tr = el('tr', { class: 'tx' });
  tr.append(
    cell(r.created_at.replace('T', ' ').replace('Z', '')),
    cell(link(r.transaction_uuid, `#tx/${enc(r.transaction_uuid)}`)),
    cell(r.kind), cell(r.amount, true), cell(r.currency), cell(r.balance, true),
    cell(r.round === null ? '' : link(r.round, roundHash(r.round, r.user), 'round-link')),
    cell(r.game_code), cell(r.state ?? (r.round_closed ? 'closes round' : '')), cell(r.is_free ? 'yes' : ''),
  );
  return tr;
}

async function showTransaction(id) {
  const r = await api(`/admin/transactions/${enc(id)}`);
  if (r === undefined) return status(`No transaction ${id} (unknown, or dropped by retention).`, true);
  const dl = el('dl', { id: 'tx-view' });
  for (const [key, value] of Object.entries(r)) {
    let shown = value === null ? '—' : String(value);
    dl.append(el('dt', { text: key }));
    const dd = el('dd');
    if (key === 'user') dd.append(link(shown, `#user/${enc(r.user)}`));
    else if (key === 'round' && value !== null) dd.append(link(shown, roundHash(r.round, r.user), 'round-link'));
    else if (key === 'reference_transaction_uuid' && value !== null) dd.append(link(shown, `#tx/${enc(value)}`));
    else dd.textContent = shown;
    dl.append(dd);
  }
  results().replaceChildren(el('h2', { text: `Transaction ${r.transaction_uuid}` }), dl);
  status('');
}

async function showHistory(user, params) {
  const query = new URLSearchParams(params);
  const page = await api(`/admin/users/${enc(user)}/transactions?${query}`);
  if (page === undefined) return status(`No user ${user}.`, true);
  const stack = (params.get('back') ?? '').split(',').filter(Boolean);
  const filters = el('form', { id: 'history-filters', class: 'filters' });
  const field = (name, label, type = 'text') => {
    const input = el('input', { id: `f-${name}`, name, type });
    input.value = params.get(name) ?? '';
    return [el('label', { for: `f-${name}`, text: label }), input];
  };
  const kind = el('select', { id: 'f-kind', name: 'kind' });
  for (const k of ['', 'bet', 'win', 'rollback', 'deposit', 'withdraw']) {
    const option = el('option', { value: k, text: k === '' ? 'any kind' : k });
    if ((params.get('kind') ?? '') === k) option.selected = true;
    kind.append(option);
  }
  filters.append(el('label', { for: 'f-kind', text: 'Kind' }), kind, ...field('round', 'Round'), ...field('from', 'From (UTC)', 'date'), ...field('to', 'To (UTC, excl.)', 'date'), ...field('limit', 'Per page', 'number'), el('button', { type: 'submit', text: 'Filter' }));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(filters)) if (value !== '') next.set(key, String(value));
    location.hash = `#user/${enc(user)}?${next}`;
  });
  const pager = el('div', { class: 'pager' });
  const base = new URLSearchParams(params);
  base.delete('cursor');
  base.delete('back');
  if (stack.length > 0 || params.get('cursor')) {
    const previous = new URLSearchParams(base);
    const back = [...stack];
    const cursor = back.pop();
    if (cursor && cursor !== '-') previous.set('cursor', cursor);
    if (back.length > 0) previous.set('back', back.join(','));
    pager.append(link('← Newer', `#user/${enc(user)}?${previous}`));
  }
  if (page.next_cursor !== null) {
    const next = new URLSearchParams(base);
    next.set('cursor', page.next_cursor);
    next.set('back', [...stack, params.get('cursor') ?? '-'].join(','));
    const a = link('Older →', `#user/${enc(user)}?${next}`);
    a.id = 'next-page';
    pager.append(a);
  }
  pager.append(el('span', { text: `${page.items.length} transaction(s)${page.next_cursor === null ? ', last page' : ''}` }));
  results().replaceChildren(el('h2', { text: `History of ${user}` }), filters, table(`Newest first`, TX_HEADERS, page.items.map(txRow), 'history'), pager);
  status('');
}

async function showRound(round, user) {
  let r;
  try {
    r = await api(`/admin/rounds/${enc(round)}${user ? `?user=${enc(user)}` : ''}`);
  } catch (error) {
    return status(`${error.message}`, true);
  }
  if (r === undefined) return status(`No round ${round}.`, true);
  const dl = el('dl', { id: 'round-totals' });
  const badge = el('span', { class: `badge ${r.status}`, text: r.status });
  const rows = [['Round', r.round], ['User', link(r.user, `#user/${enc(r.user)}`)], ['Status', badge], ['Bets', r.bet_amount], ['Wins', r.win_amount], ['Refunded', r.refunded_amount], ['First', r.first_at], ['Last', r.last_at]];
  for (const [k, v] of rows) {
    const dd = el('dd');
    dd.append(v instanceof Node ? v : String(v));
    dl.append(el('dt', { text: k }), dd);
  }
  const view = el('div', { id: 'round-view' });
  view.append(el('h2', { text: `Round ${r.round}` }), dl, table('Transactions, oldest first', TX_HEADERS, r.transactions.map(txRow)));
  results().replaceChildren(view);
  status('');
}

async function showStuck(params) {
  const query = new URLSearchParams({ status: 'open', idle_minutes: params.get('idle_minutes') ?? '60', ...(params.get('cursor') ? { cursor: params.get('cursor') } : {}) });
  const page = await api(`/admin/rounds?${query}`);
  const rows = page.items.map((r) => {
    const tr = el('tr');
    tr.append(cell(link(r.round, roundHash(r.round, r.user), 'round-link')), cell(link(r.user, `#user/${enc(r.user)}`)), cell(r.currency), cell(r.bet_amount, true), cell(r.win_amount, true), cell(r.refunded_amount, true), cell(r.first_at), cell(r.last_at));
    return tr;
  });
  const form = el('form', { class: 'filters', id: 'stuck-filters' });
  const idle = el('input', { id: 'f-idle', name: 'idle_minutes', type: 'number', min: '0' });
  idle.value = params.get('idle_minutes') ?? '60';
  form.append(el('label', { for: 'f-idle', text: 'Idle for at least (minutes)' }), idle, el('button', { type: 'submit', text: 'List' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#stuck?idle_minutes=${enc(idle.value)}`;
  });
  const pager = el('div', { class: 'pager' });
  if (page.next_cursor !== null) pager.append(link('More →', `#stuck?idle_minutes=${enc(idle.value)}&cursor=${enc(page.next_cursor)}`));
  results().replaceChildren(el('h2', { text: 'Stuck rounds (open, idle)' }), form, table('Longest idle first', [{ label: 'Round' }, { label: 'User' }, { label: 'Currency' }, { label: 'Bets', num: true }, { label: 'Wins', num: true }, { label: 'Refunded', num: true }, { label: 'First' }, { label: 'Last' }], rows), pager);
  status(page.items.length === 0 ? 'No stuck rounds.' : '');
}

async function showDaily(date) {
  const report = await api(`/admin/reports/daily?date=${enc(date)}`);
  const rows = report.currencies.map((c) => {
    const tr = el('tr');
    tr.append(cell(c.currency), cell(c.bets.count, true), cell(c.bets.amount, true), cell(c.wins.count, true), cell(c.wins.amount, true), cell(c.refunds.count, true), cell(c.refunds.amount, true), cell(c.deposits.amount, true), cell(c.withdrawals.amount, true), cell(c.free_bets.count, true), cell(c.ggr, true));
    return tr;
  });
  const headers = ['Currency', 'Bets', 'Bet amount', 'Wins', 'Win amount', 'Refunds', 'Refunded', 'Deposits', 'Withdrawals', 'Free bets', 'GGR'].map((label, i) => ({ label, num: i > 0 }));
  results().replaceChildren(el('h2', { text: `Daily report ${report.date} (UTC)` }), table('GGR = bets − refunds − wins', headers, rows, 'daily'));
  status(rows.length === 0 ? 'No transactions that day.' : '');
}

async function route() {
  const hash = decodeURIComponent(location.hash.slice(1).split('?')[0] ?? '');
  const params = new URLSearchParams(location.hash.includes('?') ? location.hash.slice(location.hash.indexOf('?') + 1) : '');
  const [view, ...rest] = hash.split('/');
  const arg = rest.join('/');
  try {
    if (view === 'tx') await showTransaction(arg);
    else if (view === 'user') await showHistory(arg, params);
    else if (view === 'round') await showRound(arg, params.get('user') ?? '');
    else if (view === 'stuck') await showStuck(params);
    else if (view === 'daily') await showDaily(arg);
    else results().replaceChildren();
    const heading = results().querySelector('h2');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  } catch (error) {
    status(error.message, true);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  showTokenState();
  $('daily-date').value = new Date().toISOString().slice(0, 10);
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    showTokenState();
    $('search-value').focus();
    void route();
  });
  $('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
    $('token').focus();
  });
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('search-value').value.trim();
    const kind = $('search-kind').value;
    const user = $('search-user').value.trim();
    const hash = kind === 'tx' ? `#tx/${enc(value)}` : kind === 'user' ? `#user/${enc(value)}` : roundHash(value, user);
    if (location.hash === hash) void route();
    else location.hash = hash;
  });
  $('daily-form').addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#daily/${$('daily-date').value}`;
  });
  window.addEventListener('hashchange', () => void route());
  if (token() === '') $('token').focus();
  void route();
});
