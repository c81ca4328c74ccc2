#!/usr/bin/env node
// Browser test: the enterprise officer handles an alarm by sending a text to the vehicle's
// terminal. Signs in, opens 告警处置, finds the alarm's row, opens its detail (the evidence
// map must be drawn), clicks 处置, picks 下发文本, types the text, submits, and waits for the
// terminal's answer and for the state 已处理. Fails on any console error of the page.
// Uses playwright-core with the system Chromium (never downloads a browser).
//
//   BASE_URL=http://127.0.0.1:8080 USERNAME=officer PASSWORD=... ALARM_ID=42 \
//   TEXT='您已超速，请减速慢行' [PLATE=粤Q12345] [SCREENSHOT=/tmp/handle.png] [CHROMIUM=/usr/bin/chromium] \
//   node e2e/handle-alarm.mjs
//
// Prints `OK <alarm id> <terminal answer>` and exits 0, or prints the error and exits 1;
// $SCREENSHOT is saved in both cases.
import { env, launchBrowser, newPage, signIn, STEP_TIMEOUT, tid } from './lib.mjs'

/** The terminal has up to the gateway's downlink timeout to answer. */
const ANSWER_TIMEOUT = Number(process.env.ANSWER_TIMEOUT_MS || 30000)



/** Console messages that are not errors of the console itself. */
function ignorable(text) {
  // Before signing in, `/auth/me` answers 401 by design (the login page handles it).
  return /Failed to load resource: the server responded with a status of 401/.test(text)
}

async function main() {
  const base = env('BASE_URL').replace(/\/+$/, '')
  const username = env('USERNAME')
  const password = env('PASSWORD')
  const alarmId = env('ALARM_ID')
  const text = env('TEXT')
  const plate = process.env.PLATE || ''
  const screenshot = process.env.SCREENSHOT || ''

  const browser = await launchBrowser()
  const consoleErrors = []
  let page
  let result = ''
  try {
    page = await newPage(browser)
    page.on('console', (m) => {
      if (m.type() === 'error' && !ignorable(m.text())) consoleErrors.push(m.text())
    })
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`))

    // 1. Sign in.
    await signIn(page, base, username, password)

    // 2. The alarm list.
    const menu = page.locator(tid('menu-alarms'))
    await menu.waitFor({ state: 'visible' })
    await menu.click()
    await page.waitForURL(/#\/alarms(\?|$)/)
    if (plate) {
      await page.locator(tid('filter-plate')).fill(plate)
      await page.locator(tid('filter-plate')).press('Enter')
    }
    const row = page.locator(tid(`alarm-row-${alarmId}`))
    try {
      await row.waitFor({ state: 'visible' })
    } catch {
      throw new Error(`alarm ${alarmId} is not in the alarm list${plate ? ` (plate filter ${plate})` : ''}`)
    }

    // 3. Its detail with the evidence map.
    await row.locator(tid(`alarm-detail-${alarmId}`)).click()
    await page.waitForURL(new RegExp(`#/alarms/${alarmId}$`))
    const canvas = page.locator(`${tid('evidence-map')} canvas`)
    try {
      await canvas.first().waitFor({ state: 'visible' })
    } catch {
      throw new Error('the evidence map (a MapLibre canvas) was not drawn on the alarm detail page')
    }
    const state = page.locator(tid('alarm-state')).first()
    await state.waitFor({ state: 'visible' })

    // 4. 处置 → 下发文本.
    const handle = page.locator(tid(`alarm-handle-${alarmId}`))
    try {
      await handle.waitFor({ state: 'visible' })
    } catch {
      throw new Error(`no 处置 button on alarm ${alarmId} (state shown: ${await state.innerText()})`)
    }
    await handle.click()
    const dialog = page.locator(tid('action-dialog-handle'))
    await dialog.waitFor({ state: 'visible' })
    await dialog.locator(tid('handle-measure-text_to_driver')).click()
    const textarea = dialog.locator(tid('handle-text'))
    await textarea.waitFor({ state: 'visible' })
    await textarea.fill(text)
    await dialog.locator(tid('handle-submit')).click()

    // 5. The terminal's answer, or the reason there is none.
    const answer = dialog.locator(tid('terminal-result'))
    const failure = dialog.locator(`${tid('handle-error')}, .el-form-item__error`).first()
    const outcome = await Promise.race([
      answer.waitFor({ state: 'visible', timeout: ANSWER_TIMEOUT }).then(() => 'answered'),
      failure.waitFor({ state: 'visible', timeout: ANSWER_TIMEOUT }).then(() => 'failed'),
    ]).catch(() => 'timeout')
    if (outcome === 'failed') throw new Error(`handling was refused: ${(await failure.innerText()).replace(/\s+/g, ' ')}`)
    if (outcome === 'timeout') throw new Error(`no terminal answer shown within ${ANSWER_TIMEOUT} ms`)
    result = (await answer.getAttribute('data-result')) || ''
    const shown = (await answer.innerText()).trim()
    if (result !== 'accepted') throw new Error(`the terminal's answer is ${result || '(none)'} (${shown}), expected accepted`)

    // 6. The page shows the new state.
    try {
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.textContent?.includes('已处理'),
        tid('alarm-state'),
        { timeout: STEP_TIMEOUT },
      )
    } catch {
      throw new Error(`the alarm state did not become 已处理 (shown: ${await state.innerText()})`)
    }
    // The timeline has the sent text.
    await page.locator(`${tid('alarm-timeline')} [data-action="text_sent"]`).first().waitFor({ state: 'attached' })

    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true })
    if (consoleErrors.length) throw new Error(`the page logged console errors:\n  ${consoleErrors.join('\n  ')}`)
    console.log(`OK ${alarmId} ${result}`)
    await browser.close()
    process.exit(0)
  } catch (err) {
    if (page && screenshot) await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {})
    const shown = page
      ? await page
          .locator('.el-form-item__error, .el-message__content, .el-alert__title, [data-testid="login-error"]')
          .allInnerTexts()
          .catch(() => [])
      : []
    console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`)
    if (shown.length) console.error(`messages on screen: ${shown.join(' | ')}`)
    if (consoleErrors.length) console.error(`console errors: ${consoleErrors.join(' | ')}`)
    await browser.close().catch(() => {})
    process.exit(1)
  }
}

main().catch((err) => {
  console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
