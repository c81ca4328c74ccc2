#!/usr/bin/env node
// Browser test of 考核指标: signs in as $USERNAME, opens the page from the menu, checks that the
// enterprise $ENTERPRISE_ID's 数据合格率 reads $EXPECT_QUALIFIED ("x / y") and that no other
// enterprise is listed ($ONLY_OWN=1), opens its vehicles by clicking the row, then vehicle
// $VEHICLE_ID's day and checks the drill-down lists the unqualified record ($EXPECT_TEXT);
// then the daily trend tab draws its chart; with $SETTINGS_ONLINE (an administrator) it sets the
// 上线率 target in 考核参数.
//
//   BASE_URL=... USERNAME=officer PASSWORD=... ENTERPRISE_ID=3 VEHICLE_ID=12 \
//   EXPECT_QUALIFIED="5 / 6" EXPECT_TEXT=7000 [ONLY_OWN=1] [SCREENSHOT=/tmp/ind.png] node e2e/indicators.mjs
//
// Prints `OK indicators` and exits 0; else the error, exit 1. Fails on page errors.
import { env, launchBrowser, newPage, signIn, tid } from './lib.mjs'

async function main() {
  const base = env('BASE_URL').replace(/\/+$/, '')
  const enterprise = env('ENTERPRISE_ID')
  const vehicle = env('VEHICLE_ID')
  const expectQualified = env('EXPECT_QUALIFIED')
  const expectText = env('EXPECT_TEXT')
  const browser = await launchBrowser()
  const errors = []
  let page
  try {
    page = await newPage(browser)
    page.on('pageerror', (e) => errors.push(e.message))
    await signIn(page, base, env('USERNAME'), env('PASSWORD'))
    await page.locator(tid('menu-indicators')).click()
    await page.waitForURL(/#\/indicators/)
    const row = page.locator(tid(`ind-row-enterprise-${enterprise}`))
    await row.waitFor({ state: 'visible' })
    const text = (await row.textContent()) ?? ''
    if (!text.includes(expectQualified)) throw new Error(`enterprise ${enterprise} row lacks "${expectQualified}": ${text}`)
    if (process.env.ONLY_OWN === '1') {
      const rows = await page.locator(`${tid('ind-table')} [data-testid^="ind-row-enterprise-"]`).count()
      if (rows !== 1) throw new Error(`${rows} enterprise rows for an enterprise officer`)
    }
    await row.click()
    const vrow = page.locator(tid(`ind-row-vehicle-${vehicle}`))
    await vrow.waitFor({ state: 'visible' })
    if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT })
    await vrow.click()
    const dialog = page.locator(tid('ind-drill-dialog'))
    await dialog.waitFor({ state: 'visible' })
    await page.waitForFunction(
      ([sel, want]) => (document.querySelector(sel)?.textContent ?? '').includes(want),
      [tid('ind-drill-dialog'), expectText],
    ).catch(async () => {
      throw new Error(`the drill-down does not show "${expectText}": ${(await dialog.textContent())?.slice(0, 400)}`)
    })
    if (process.env.SCREENSHOT_DRILL) await page.screenshot({ path: process.env.SCREENSHOT_DRILL })
    // The daily trend draws.
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    await page.locator(tid('ind-tab-trend')).click()
    await page.locator(`${tid('ind-trend-chart')} canvas`).first().waitFor({ state: 'visible' })
    // An administrator changes the 上线率 target in 考核参数 ($SETTINGS_ONLINE, percent).
    if (process.env.SETTINGS_ONLINE) {
      await page.locator(tid('ind-settings')).click()
      const settings = page.locator(tid('ind-settings-dialog'))
      await settings.waitFor({ state: 'visible' })
      const input = page.locator(`${tid('ind-settings-online_rate')} input`)
      await page.waitForFunction((sel) => (document.querySelector(sel)?.value ?? '') !== '', `${tid('ind-settings-online_rate')} input`)
      await input.fill(process.env.SETTINGS_ONLINE)
      await input.press('Tab')
      // A score weight on the second tab.
      await settings.locator('#tab-score').click()
      const speeding = page.locator(`${tid('ind-settings-enterprise_score.speeding')} input`)
      await speeding.fill('25')
      await speeding.press('Tab')
      // A southern latitude bound north of the northern one: the server's 422 names the
      // field, the dialog shows it on the field and on its tab.
      await settings.locator('#tab-ranges').click()
      const latMin = page.locator(`${tid('ind-settings-record.lat_min')} input`)
      await latMin.fill('60')
      await latMin.press('Tab')
      await settings.locator('#tab-targets').click()
      await page.locator(tid('ind-settings-save')).click()
      await settings.locator('.el-form-item__error').first().waitFor({ state: 'visible' })
      const shownTab = await settings.locator('.el-tabs__item.is-active').getAttribute('id')
      if (shownTab !== 'tab-ranges') throw new Error(`the error's tab is not shown: ${shownTab}`)
      await latMin.fill('18.5')
      await latMin.press('Tab')
      // Clearing the jump distance turns the jump rule off (null).
      const jump = page.locator(`${tid('ind-settings-drift_jump_m')} input`)
      await jump.fill('')
      await jump.press('Tab')
      await page.locator(tid('ind-settings-save')).click()
      await settings.waitFor({ state: 'hidden' })
    }
    if (errors.length) throw new Error(`page errors: ${errors.join(' | ')}`)
  } catch (e) {
    if (page) await page.screenshot({ path: '/tmp/indicators-failure.png' }).catch(() => {})
    throw e
  } finally {
    await browser.close()
  }
  console.log('OK indicators')
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e))
  process.exit(1)
})
