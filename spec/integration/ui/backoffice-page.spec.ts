/**
 * The support page in a real browser: headless Chromium (Debian's `chromium`, driven by
 * puppeteer-core) against a running service on a real socket. Pastes the token, searches a
 * user, turns a history page, opens a round from a row, checks the keyboard reaches the
 * controls, and saves a screenshot under spec/integration/ui/output/.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { start, type Wallet } from '../../../lib/index.js';
import { buildServer } from '../../../lib/http/index.js';

// The browser's globals, as the callbacks run by page.evaluate see them (this project's types have no DOM).
declare const document: { activeElement: { id: string } | null; querySelectorAll(selector: string): { length: number }; querySelector(selector: string): { textContent: string | null } | null };
declare const sessionStorage: { getItem(key: string): string | null };
declare const localStorage: { length: number };
interface HTMLElement {
  innerText: string;
}
interface HTMLInputElement {
  value: string;
}

const TOKEN = 'support-page-token-0123456789abcdef';
const CHROMIUM = process.env.EXWALLET_CHROMIUM ?? '/usr/bin/chromium';
const OUTPUT = join(process.cwd(), 'spec', 'integration', 'ui', 'output');
const T0 = Date.UTC(2026, 5, 1, 10, 0, 0);
const ROUND = '5b0c1d2e-3f40-4152-8a6b-7c8d9e0f1a2b';

function uuid(tag: number, n: number): string {
  return `00000000-${tag.toString(16).padStart(4, '0')}-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

let wallet: Wallet;
let app: FastifyInstance;
let browser: Browser;
let base: string;

beforeAll(async () => {
  let now = T0;
  wallet = start({ clock: () => now });
  await wallet.createUsers(['alice', 'bob']);
  // 30 bets of alice, the first of them in a round that a win closes; one of bob.
  for (let i = 1; i <= 30; i += 1) {
    const r = await wallet.bet({ user: 'alice', transaction_uuid: uuid(1, i), request_uuid: uuid(2, i), currency: 'USD', amount: 100 + i, round: i === 1 ? ROUND : `round-${i}`, game_code: 'starburst' } as never);
    expect(r.status).toBe('RS_OK');
    now += 60_000;
  }
  await wallet.win({ user: 'alice', transaction_uuid: uuid(3, 1), request_uuid: uuid(4, 1), reference_transaction_uuid: uuid(1, 1), currency: 'USD', amount: 250, round: ROUND, round_closed: true } as never);
  await wallet.bet({ user: 'bob', transaction_uuid: uuid(1, 99), request_uuid: uuid(2, 99), currency: 'USD', amount: 5 });
  app = buildServer({ wallet, adminToken: TOKEN, verifySignatures: false, logLevel: 'silent' });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await wallet?.stop();
});

async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (node) => (node as HTMLElement).innerText);
}

describe('the support page works in a real browser', () => {
  it('finds Chromium', () => {
    expect(existsSync(CHROMIUM)).toBe(true);
  });

  it('searches a user, turns a history page, opens a round from a row, and saves a screenshot', async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 768 });
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) failed.push(`outside: ${request.url()}`);
    });
    await page.goto(`${base}/admin/ui`, { waitUntil: 'networkidle0' });

    // The token field has the focus; the token is typed once, then kept for the tab only.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#token-state:not([hidden])');
    expect(await page.evaluate(() => sessionStorage.getItem('exwallet.adminToken'))).toBe(TOKEN);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    // Search a user from the keyboard: the search field has the focus after the token.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search-value');
    await page.select('#search-kind', 'user');
    await page.focus('#search-value');
    await page.keyboard.type('alice');
    await page.keyboard.press('Enter');
    await page.waitForSelector('table.history tbody tr.tx');
    const firstPage = await page.$$eval('table.history tr.tx td:nth-child(2)', (cells) => cells.map((cell) => (cell as HTMLElement).innerText));
    expect(firstPage).toHaveLength(31); // the default page holds 100
    expect(firstPage[0]).toBe(uuid(3, 1)); // the win came last

    // A smaller page, then the next one.
    await page.$eval('#f-limit', (input) => ((input as HTMLInputElement).value = '10'));
    await page.click('#history-filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('table.history tr.tx').length === 10);
    const pageOne = await page.$$eval('table.history tr.tx td:nth-child(2)', (cells) => cells.map((cell) => (cell as HTMLElement).innerText));
    await page.click('#next-page');
    await page.waitForFunction((first: string) => document.querySelector('table.history tr.tx td:nth-child(2)')?.textContent !== first, {}, pageOne[0] as string);
    const pageTwo = await page.$$eval('table.history tr.tx td:nth-child(2)', (cells) => cells.map((cell) => (cell as HTMLElement).innerText));
    expect(pageTwo).toHaveLength(10);
    expect(pageTwo.filter((id) => pageOne.includes(id))).toEqual([]);
    expect(pageTwo[0]).toBe(uuid(1, 21));
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'backoffice-history.png') });

    // Each row links to its round: open the closed round of the first bet.
    await page.goto(`${base}/admin/ui#user/alice?kind=bet&round=${ROUND}`, { waitUntil: 'networkidle0' });
    // The same document (only the hash changed): wait for the filtered page, the bet alone.
    await page.waitForFunction(() => document.querySelectorAll('table.history tr.tx').length === 1);
    await page.click('table.history a.round-link');
    await page.waitForSelector('#round-view');
    const totals = await textOf(page, '#round-totals');
    expect(totals).toContain('closed');
    expect(totals).toContain('101'); // the bet
    expect(totals).toContain('250'); // the win
    expect(await page.$$eval('#round-view tr.tx', (rows) => rows.length)).toBe(2);
    await page.screenshot({ path: join(OUTPUT, 'backoffice-round.png'), fullPage: true });

    // Stuck rounds and the day's report render too.
    await page.goto(`${base}/admin/ui#stuck?idle_minutes=0`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#stuck-filters');
    expect(await page.$$eval('a.round-link', (links) => links.length)).toBe(29); // alice's open rounds; her first round is closed, bob's bet has none
    await page.goto(`${base}/admin/ui#daily/2026-06-01`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('table.daily');
    expect(await textOf(page, 'table.daily')).toContain('USD');

    // A transaction id search from the search form.
    await page.select('#search-kind', 'tx');
    await page.$eval('#search-value', (input) => ((input as HTMLInputElement).value = ''));
    await page.focus('#search-value');
    await page.keyboard.type(uuid(1, 99).toUpperCase());
    await page.keyboard.press('Enter');
    await page.waitForSelector('#tx-view');
    expect(await textOf(page, '#tx-view')).toContain('bob');

    // A round search from the keyboard alone: Tab from the value to the user field, Enter.
    await page.select('#search-kind', 'round');
    await page.$eval('#search-value', (input) => ((input as HTMLInputElement).value = ''));
    await page.focus('#search-value');
    await page.keyboard.type(ROUND);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search-user');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search-btn');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#round-view');
    expect(await textOf(page, '#round-totals')).toContain('alice');

    expect(failed).toEqual([]);
    await page.close();
  });
});
