// Shared by the browser scripts: environment, test ids, the system Chromium (never a
// downloaded one) with the flags CI needs, a page with the project's timeouts, sign-in, and
// GET on the API with the page's session.
import { chromium } from 'playwright-core'

export const STEP_TIMEOUT = Number(process.env.STEP_TIMEOUT_MS || 15000)

/** A required environment variable (or the fallback). */
export function env(name, fallback) {
  const v = process.env[name] ?? fallback
  if (v === undefined || v === '') throw new Error(`environment variable ${name} is required`)
  return v
}

/** Selector of a `data-testid`. */
export const tid = (id) => `[data-testid="${id}"]`

/** Headless Chromium from $CHROMIUM or Debian's /usr/bin/chromium. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  })
}

/** A zh-CN page at a desktop size with the step timeouts set. */
export async function newPage(browser) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(STEP_TIMEOUT)
  page.setDefaultNavigationTimeout(STEP_TIMEOUT)
  return page
}

/** Signs in through the login page. */
export async function signIn(page, base, username, password) {
  await page.goto(`${base}/#/login`)
  await page.locator(tid('login-username')).fill(username)
  await page.locator(tid('login-password')).fill(password)
  await page.locator(tid('login-submit')).click()
}

/** GET on the API with the page's session cookie; throws on a non-2xx answer. */
export async function api(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(`/api/v1${p}`, {
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'XMLHttpRequest', Accept: 'application/json' },
    })
    const text = await r.text()
    if (!r.ok) throw new Error(`GET /api/v1${p} answered ${r.status}: ${text.slice(0, 300)}`)
    return text ? JSON.parse(text) : null
  }, path)
}

/** Text with its runs of white space made single spaces. */
export const squash = (s) => s.replace(/\s+/g, ' ').trim()
