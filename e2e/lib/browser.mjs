// What the browser tests share: a fresh context whose page may reach the server only (requests to
// another origin are aborted and recorded), with its console and page errors recorded.

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * guardedPage opens a page in a fresh context of browser: requests to another origin are aborted
 * and recorded in foreign, console errors and page errors in errors. The caller adds its own
 * listeners to page before navigating.
 */
export async function guardedPage(browser, viewport) {
  const context = await browser.newContext({ viewport });
  const foreign = [];
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (LOCAL_HOSTS.has(u.hostname)) return route.continue();
    foreign.push(u.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page, foreign, errors };
}
