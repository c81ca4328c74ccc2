#!/usr/bin/env node
// Browser test: sign in through the console, create a vehicle in the dialog and find it in the
// table. Uses playwright-core with the system Chromium (never downloads a browser).
//
//   BASE_URL=http://127.0.0.1:8080 USERNAME=admin PASSWORD=... PLATE=粤Q12345 \
//   VIN=LZYTAGBW8H1000001 ENTERPRISE_ID=1 [SCREENSHOT=/tmp/fail.png] [CHROMIUM=/usr/bin/chromium] \
//   [BAD_FILE=/tmp/not-a-workbook.xlsx] node e2e/create-vehicle.mjs
//
// With BAD_FILE, also import that file through the 导入 dialog and expect the server's refusal.
//
// Prints `OK <plate>` and exits 0, or prints the error (and saves $SCREENSHOT) and exits 1.
import { env, launchBrowser, newPage, signIn, tid } from './lib.mjs'




/** Chooses an option of an Element Plus select by its test ids; types `search` first if given. */
async function pick(page, field, optionId, search) {
  const wrapper = page.locator(tid(`field-${field}`)).first()
  await wrapper.click()
  if (search !== undefined) {
    const input = wrapper.locator('input').first()
    await input.fill(search)
  }
  const option = page.locator(`${tid(`opt-${field}-${optionId}`)}:visible`).first()
  await option.waitFor({ state: 'visible' })
  await option.click()
  // A single select closes its dropdown on choice; wait for that so the next click lands.
  await option.waitFor({ state: 'hidden' })
}

/** Fills a text field whose test id is on the <input> or on a wrapper around it. */
async function fill(page, field, value) {
  const el = page.locator(tid(`field-${field}`)).first()
  await el.waitFor({ state: 'visible' })
  const tag = await el.evaluate((n) => n.tagName.toLowerCase())
  const input = tag === 'input' || tag === 'textarea' ? el : el.locator('input').first()
  await input.fill(String(value))
  await input.blur()
}

async function main() {
  const base = env('BASE_URL').replace(/\/+$/, '')
  const username = env('USERNAME')
  const password = env('PASSWORD')
  const plate = env('PLATE')
  const vin = env('VIN')
  const enterpriseId = env('ENTERPRISE_ID')
  const seats = process.env.SEATS || '45'

  const browser = await launchBrowser()
  let page
  try {
    page = await newPage(browser)

    // 1. Sign in.
    await signIn(page, base, username, password)

    // 2. Vehicles page.
    const menu = page.locator(tid('menu-vehicles'))
    await menu.waitFor({ state: 'visible' })
    await menu.click()
    await page.waitForURL(/#\/vehicles/)

    // The enterprise picker searches by name: look the name up with the session cookie.
    const enterprise = await page.evaluate(async (id) => {
      const r = await fetch(`/api/v1/enterprises/${id}`, {
        credentials: 'same-origin',
        headers: { 'X-Requested-With': 'XMLHttpRequest', Accept: 'application/json' },
      })
      if (!r.ok) throw new Error(`GET /api/v1/enterprises/${id} answered ${r.status}`)
      return r.json()
    }, enterpriseId)

    // 3. Create dialog.
    await page.locator(tid('btn-create')).click()
    const dialog = page.locator(tid('form-dialog'))
    await dialog.waitFor({ state: 'visible' })

    await fill(page, 'plate', plate)
    await pick(page, 'plate_color', '2')
    await fill(page, 'vin', vin)
    await pick(page, 'vehicle_class', 'coach')
    await fill(page, 'seats', seats)
    await fill(page, 'transport_cert_no', env('CERT', '441702' + String(Date.now()).slice(-6)))
    await pick(page, 'enterprise_id', enterpriseId, String(enterprise.name ?? ''))
    await pick(page, 'status', 'active')

    await page.locator(tid('form-save')).click()
    // Either the dialog closes, or the server's complaint appears (field error or toast).
    const complaint = page.locator('[data-testid="form-dialog"] .el-form-item__error, .el-message--error .el-message__content').first()
    const outcome = await Promise.race([
      dialog.waitFor({ state: 'hidden' }).then(() => 'saved'),
      complaint.waitFor({ state: 'visible' }).then(() => 'rejected'),
    ])
    if (outcome === 'rejected') {
      const texts = await page
        .locator('[data-testid="form-dialog"] .el-form-item__error, .el-message--error .el-message__content')
        .allInnerTexts()
      throw new Error(`save rejected: ${texts.join(' | ')}`)
    }

    // 4. Find it.
    const search = page.locator(tid('search-q'))
    await search.fill(plate)
    await search.press('Enter')
    await page.locator('tr[data-testid^="row-"]', { hasText: plate }).first().waitFor({ state: 'visible' })

    // 5. Optional: importing a file that is not a workbook shows the server's refusal.
    const badFile = process.env.BAD_FILE || ''
    if (badFile) {
      await page.locator(tid('btn-import')).click()
      const dlg = page.locator(tid('import-dialog'))
      await dlg.waitFor({ state: 'visible' })
      await dlg.locator('input[type="file"]').setInputFiles(badFile)
      await page.locator(tid('import-start')).click()
      const failed = page.locator(tid('import-failed'))
      await failed.waitFor({ state: 'visible' }).catch(() => {
        throw new Error(`importing ${badFile} showed no import-failed alert`)
      })
      console.log(`import refused: ${(await failed.innerText()).replace(/\s+/g, ' ').trim()}`)
    }

    console.log(`OK ${plate}`)
    await browser.close()
    process.exit(0)
  } catch (err) {
    if (page && process.env.SCREENSHOT) {
      await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true }).catch(() => {})
    }
    // Surface what the form said, if anything (validation messages under fields, toasts).
    const shown = page
      ? await page
          .locator('.el-form-item__error, .el-message__content, [data-testid="login-error"]')
          .allInnerTexts()
          .catch(() => [])
      : []
    console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`)
    if (shown.length) console.error(`messages on screen: ${shown.join(' | ')}`)
    await browser.close().catch(() => {})
    process.exit(1)
  }
}

main().catch((err) => {
  console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
