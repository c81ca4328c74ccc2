#!/usr/bin/env node
// Browser test of the generic register pages against a real server (docs/records-api.md):
// sign in, open a register group, compare the table with the API's total, filter by a code
// field, create a row through the generated form (required-field errors first), find it with
// the search box, edit a numeric field in the detail drawer, delete it, and optionally import a
// sheet with bad cells and check the table of rejected cells. With GTFS_ZIP (a feed), import it
// through the bus routes' GTFS dialog and check the counts it shows. With RULE_CHECK=1, check
// that the form refuses a checkpoint closed before it was set up. With REVIEW_ID (and REVIEW_NO,
// its application number) set, also take that submitted annual review application through the
// bureau's workflow in the detail drawer: 受理, then 审验通过 with the default validity date,
// and check the drawer shows 审验合格. Uses playwright-core with the system Chromium (never
// downloads a browser).
//
//   BASE_URL=http://127.0.0.1:8080 USERNAME=admin PASSWORD=... [CHROMIUM=/usr/bin/chromium] \
//   [REGISTER_GROUP=projects] [REGISTER_KEY=projects] [BAD_XLSX=/path/bad.xlsx] \
//   [GTFS_ZIP=/path/feed.zip] [RULE_CHECK=1] \
//   [REVIEW_ID=12 REVIEW_NO=NS-2026-0012] \
//   [SCREENSHOT=/tmp/records-failure.png] node e2e/records.mjs
//
// Prints `OK review` (when REVIEW_ID is set) and `OK records` at the end and exits 0, or prints
// the error, saves a screenshot and exits 1.
import { existsSync } from 'node:fs'
import { api, env, launchBrowser, newPage, signIn, tid } from './lib.mjs'

const PAGE_SIZE = 50

/** Status of a GET on the API with the page's cookie. */
async function apiStatus(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(`/api/v1${p}`, { credentials: 'same-origin', headers: { 'X-Requested-With': 'XMLHttpRequest' } })
    return r.status
  }, path)
}

const rows = (page) => page.locator(`${tid('rec-table')} tr[data-testid^="rec-row-"]`)

/** `共 N 条` of the pager. */
async function shownTotal(page) {
  const text = await page.locator(tid('total')).first().innerText()
  const m = /(\d+)/.exec(text.replace(/[,\s]/g, ''))
  if (!m) throw new Error(`no number in the pager's total: "${text}"`)
  return Number(m[1])
}

/** Waits until no loading mask covers the table. */
async function settled(page) {
  await page.locator(`${tid('rec-table')} .el-loading-mask`).waitFor({ state: 'hidden' }).catch(() => {})
}

/** Runs `action` and waits for the list request it causes (matched by `test` on the URL). */
async function listAfter(page, key, test, action) {
  const resp = page.waitForResponse((r) => {
    const u = new URL(r.url())
    return u.pathname === `/api/v1/records/${key}` && r.request().method() === 'GET' && test(u)
  })
  await action()
  const r = await resp
  if (!r.ok()) throw new Error(`list request ${r.url()} answered ${r.status()}`)
  await settled(page)
  await page.waitForTimeout(150) // let the table render the answer
  return r.json()
}

/** Opens the Element Plus select inside `scope` and clicks its first (or the matching) option. */
async function pickFirst(page, scope, optionSelector) {
  const select = scope.locator('.el-select').first()
  await select.click()
  const popper = page.locator('.el-select__popper:visible, .el-select-dropdown:visible').last()
  const option = optionSelector
    ? page.locator(`${optionSelector}:visible`).first()
    : popper.locator('.el-select-dropdown__item:not(.is-disabled)').first()
  await option.waitFor({ state: 'visible' })
  await option.click()
  await option.waitFor({ state: 'hidden' }).catch(() => {})
}

/** One year from today, as the review dialog's default (29 Feb → 28 Feb). */
function oneYearFromToday() {
  const now = new Date()
  const d = new Date(now.getFullYear() + 1, now.getMonth(), now.getDate())
  if (d.getMonth() !== now.getMonth()) d.setDate(0)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** Runs `action` and waits for the review POST of application `id`; fails unless it is 2xx. */
async function reviewAfter(page, id, what, action) {
  const resp = page.waitForResponse(
    (r) => new URL(r.url()).pathname === `/api/v1/annual-reviews/${id}/review` && r.request().method() === 'POST',
  )
  await action()
  const r = await resp
  if (!r.ok()) throw new Error(`${what} of application #${id} answered ${r.status()}: ${(await r.text()).slice(0, 300)}`)
  return r.json()
}

/** The optional annual review part: 受理 then 审验通过 on a submitted application. */
async function reviewWorkflow(page, base, reviewId, reviewNo) {
  const key = 'annual_reviews'
  const before = await api(page, `/records/${key}/${reviewId}`)
  if (before.application_no !== reviewNo) {
    throw new Error(`application #${reviewId} has number ${before.application_no}, not REVIEW_NO ${reviewNo}`)
  }
  if (before.status !== 'submitted') throw new Error(`application #${reviewId} is ${before.status}, expected submitted`)

  await page.goto(`${base}/#/records/services?r=${key}`)
  const scope = `[data-register="${key}"]`
  await page.locator(`${scope} ${tid('rec-table')}`).waitFor({ state: 'visible' })
  await settled(page)
  const search = page.locator(`${scope} ${tid('rec-search')}`)
  await listAfter(page, key, (u) => u.searchParams.get('q') === reviewNo, async () => {
    await search.fill(reviewNo)
    await search.press('Enter')
  })
  const tr = page.locator(`${scope} ${tid('rec-table')} ${tid(`rec-row-${reviewId}`)}`)
  await tr.waitFor({ state: 'visible' }).catch(() => {
    throw new Error(`application #${reviewId} not in the table after searching "${reviewNo}"`)
  })
  await tr.locator('td').first().click()
  const drawer = page.locator(`${tid('rec-detail')}[data-id="${reviewId}"]`)
  await drawer.waitFor({ state: 'visible' })

  // 受理: submitted → checking.
  const check = drawer.locator(tid('rec-review-check'))
  await check.waitFor({ state: 'visible' }).catch(() => {
    throw new Error(`no 受理 button in the drawer of submitted application #${reviewId}`)
  })
  const checked = await reviewAfter(page, reviewId, '受理', () => check.click())
  if (checked.status !== 'checking') throw new Error(`after 受理 the application is ${checked.status}, expected checking`)
  console.log(`review #${reviewId}: 受理 → ${checked.status}`)

  // 审验通过 with the default date (one year from today).
  const approve = drawer.locator(tid('rec-review-approve'))
  await approve.waitFor({ state: 'visible' }).catch(() => {
    throw new Error(`no 审验通过 button after 受理 of application #${reviewId}`)
  })
  await approve.click()
  await page.locator(tid('rec-review-dialog')).waitFor({ state: 'visible' })
  const dateInput = page.locator(`${tid('rec-review-valid-until')} input`).first()
  await dateInput.waitFor({ state: 'visible' })
  const shownDate = (await dateInput.inputValue()).trim()
  const wantDate = oneYearFromToday()
  if (shownDate !== wantDate) throw new Error(`the validity date defaults to "${shownDate}", expected ${wantDate}`)
  const approved = await reviewAfter(page, reviewId, '审验通过', () => page.locator(tid('rec-review-confirm')).click())
  if (approved.status !== 'approved') throw new Error(`after 审验通过 the application is ${approved.status}, expected approved`)
  if (approved.valid_until !== wantDate) throw new Error(`approved with valid_until ${approved.valid_until}, expected ${wantDate}`)
  await page.locator(tid('rec-review-dialog')).waitFor({ state: 'hidden' })

  // The drawer shows the approved status label.
  const status = drawer.locator(`${tid('rec-review-status')}[data-status="approved"]`)
  await status.waitFor({ state: 'visible' }).catch(() => {
    throw new Error(`the drawer does not show the approved status of application #${reviewId}`)
  })
  const statusText = await status.innerText()
  if (!statusText.includes('审验合格')) throw new Error(`the drawer's status reads "${statusText}", expected 审验合格`)
  await drawer.locator(tid('rec-detail-status'), { hasText: '审验合格' }).waitFor({ state: 'visible' }).catch(() => {
    throw new Error(`the drawer's 办理状态 field does not read 审验合格 after approval`)
  })
  console.log(`review #${reviewId}: 审验通过 → ${approved.status}, valid until ${approved.valid_until}`)
}

function today() {
  const d = new Date()
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** A value within a numeric field's bounds, near `want`. */
function numberFor(f, want) {
  let v = want
  if (f.min !== null && f.min !== undefined && v < f.min) v = f.min
  if (f.max !== null && f.max !== undefined && v > f.max) v = f.max
  return v
}

/** Fills one field of the form generically from its declaration. */
async function fillField(page, f, stamp) {
  const item = page.locator(`${tid('rec-form')} ${tid(`rec-field-${f.key}`)}`)
  await item.waitFor({ state: 'visible' })
  switch (f.kind) {
    case 'text':
    case 'long_text': {
      const v = `E2E-${stamp}`.slice(0, f.max_len || 100)
      await item.locator('input, textarea').first().fill(v)
      return v
    }
    case 'int':
    case 'num': {
      const v = numberFor(f, 1)
      const input = item.locator('input').first()
      await input.fill(String(v))
      await input.blur()
      return v
    }
    case 'date':
    case 'month': {
      const v = f.kind === 'date' ? today() : today().slice(0, 7)
      const input = item.locator('input').first()
      await input.click()
      await input.fill(v)
      await input.press('Enter')
      await page.keyboard.press('Escape').catch(() => {})
      return v
    }
    case 'bool':
      return null
    case 'code':
      await pickFirst(page, item, f.codes?.length ? tid(`rec-opt-${f.key}-${f.codes[0].code}`) : undefined)
      return f.codes?.[0]?.code ?? null
    default: // region, enterprise, vehicle, ref: the first option offered
      await pickFirst(page, item)
      return null
  }
}

/** Fails with what the form says when the dialog does not close after saving. */
async function expectSaved(page) {
  const dialog = page.locator(tid('rec-form'))
  const complaint = page.locator(`${tid('rec-form')} .el-form-item__error, ${tid('rec-form-error')}, .el-message--error .el-message__content`).first()
  const outcome = await Promise.race([
    dialog.waitFor({ state: 'hidden' }).then(() => 'saved'),
    complaint.waitFor({ state: 'visible' }).then(() => 'rejected'),
  ])
  if (outcome === 'rejected') {
    const texts = await page.locator(`${tid('rec-form')} .el-form-item__error, ${tid('rec-form-error')}, .el-message--error .el-message__content`).allInnerTexts()
    throw new Error(`save rejected: ${texts.join(' | ')}`)
  }
}

async function main() {
  const base = env('BASE_URL').replace(/\/+$/, '')
  const username = env('USERNAME')
  const password = env('PASSWORD')
  const group = process.env.REGISTER_GROUP || 'projects'
  const key = process.env.REGISTER_KEY || 'projects'
  const badXlsx = process.env.BAD_XLSX || ''
  const shot = process.env.SCREENSHOT || '/tmp/records-failure.png'
  if (badXlsx && !existsSync(badXlsx)) throw new Error(`BAD_XLSX ${badXlsx} does not exist`)
  if (process.env.REVIEW_ID && !process.env.REVIEW_NO) throw new Error('REVIEW_NO is required with REVIEW_ID')

  const browser = await launchBrowser()
  let page
  try {
    page = await newPage(browser)

    // 1. Sign in, then the group's menu entry (shown once the schema lists the group).
    await signIn(page, base, username, password)
    const menu = page.locator(tid(`menu-rec-${group}`))
    await menu.waitFor({ state: 'visible' })
    await menu.click()
    await page.waitForURL(new RegExp(`#/records/${group}`))

    const reg = await api(page, `/records/schema/${key}`)
    if (reg.group !== group) throw new Error(`register ${key} belongs to group ${reg.group}, not ${group}`)
    const tab = page.locator(tid(`rec-tab-${key}`))
    await tab.waitFor({ state: 'visible' })
    await tab.click()
    await page.locator(`.el-tabs__item.is-active ${tid(`rec-tab-${key}`)}`).waitFor({ state: 'visible' })
    await page.locator(`[data-register="${key}"] ${tid('rec-table')}`).waitFor({ state: 'visible' })

    // 2. The table against the API's total (polled: the first page may still be loading).
    const first = await api(page, `/records/${key}?limit=${PAGE_SIZE}`)
    let total = -1
    for (let i = 0; i < 50 && total !== first.total; i++) {
      await settled(page)
      total = await shownTotal(page)
      if (total !== first.total) await page.waitForTimeout(200)
    }
    if (total !== first.total) throw new Error(`the page shows a total of ${total}, the API reports ${first.total}`)
    const n = await rows(page).count()
    if (n !== Math.min(first.total, PAGE_SIZE)) throw new Error(`the table shows ${n} rows, expected ${Math.min(first.total, PAGE_SIZE)} (total ${first.total})`)
    console.log(`table: ${n} rows, total ${total}`)

    // 3. Filter by a code field: every row shown has the code.
    const codeField = reg.fields.find((f) => f.kind === 'code' && f.filter && f.list && f.codes?.length)
    if (codeField) {
      const used = first.items.map((r) => r[codeField.key]).find((v) => v !== null && v !== undefined)
      const c = codeField.codes.find((x) => x.code === used) ?? codeField.codes[0]
      const expected = await api(page, `/records/${key}?limit=1&${codeField.key}=${encodeURIComponent(c.code)}`)
      const filter = page.locator(tid(`rec-filter-${codeField.key}`))
      await listAfter(page, key, (u) => u.searchParams.get(codeField.key) === c.code, () =>
        pickFirst(page, filter, tid(`rec-opt-filter-${codeField.key}-${c.code}`)),
      )
      const cells = await page.locator(`${tid('rec-table')} tr[data-testid^="rec-row-"] td.rec-col-${codeField.key}`).allInnerTexts()
      const wrong = cells.filter((s) => s.trim() !== c.zh)
      if (wrong.length) throw new Error(`filter ${codeField.key}=${c.code}: rows show ${JSON.stringify(wrong.slice(0, 5))}, expected "${c.zh}"`)
      const ft = await shownTotal(page)
      if (ft !== expected.total) throw new Error(`filter ${codeField.key}=${c.code}: the page shows ${ft}, the API ${expected.total}`)
      console.log(`filter ${codeField.key}=${c.code}: ${cells.length} rows, total ${ft}`)
      await listAfter(page, key, (u) => !u.searchParams.has(codeField.key), () => page.locator(tid('rec-reset')).click())
    } else {
      console.log('filter: no listed code filter in this register, skipped')
    }

    // 4. New row: empty save shows the required-field errors.
    if (!reg.writable) throw new Error(`register ${key} is not writable for ${username}`)
    await page.locator(tid('rec-new')).click()
    const dialog = page.locator(tid('rec-form'))
    await dialog.waitFor({ state: 'visible' })
    await page.locator(tid('rec-save')).click()
    const required = reg.fields.filter((f) => f.required && f.kind !== 'bool')
    for (const f of required) {
      const err = page.locator(`${tid('rec-form')} ${tid(`rec-field-${f.key}`)} .el-form-item__error`)
      await err.waitFor({ state: 'visible' }).catch(() => {
        throw new Error(`no required-field error under ${f.key} after saving an empty form`)
      })
    }
    console.log(`required errors: ${required.length}`)

    // 5. Fill every required field and save.
    const stamp = String(Date.now())
    for (const f of required) await fillField(page, f, stamp)
    const created = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/records/${key}` && r.request().method() === 'POST')
    await page.locator(tid('rec-save')).click()
    await expectSaved(page)
    const row = await (await created).json()
    console.log(`created #${row.id}`)

    // 6. Find it with the search box.
    const search = page.locator(tid('rec-search'))
    const needle = required.some((f) => f.kind === 'text' || f.kind === 'long_text') ? `E2E-${stamp}` : null
    if (needle) {
      await listAfter(page, key, (u) => u.searchParams.get('q') === needle, async () => {
        await search.fill(needle)
        await search.press('Enter')
      })
    }
    const tr = page.locator(`${tid('rec-table')} ${tid(`rec-row-${row.id}`)}`)
    await tr.waitFor({ state: 'visible' }).catch(() => {
      throw new Error(`row #${row.id} not in the table after searching "${needle}"`)
    })

    // 7. Detail, then edit a numeric field.
    await tr.locator('td').first().click()
    const detail = page.locator(tid('rec-detail'))
    await detail.waitFor({ state: 'visible' })
    const numField = reg.fields.find((f) => (f.kind === 'num' || f.kind === 'int') && (f.max === null || f.max === undefined || f.max >= 2))
    if (numField) {
      await page.locator(tid('rec-edit')).click()
      await dialog.waitFor({ state: 'visible' })
      const now = typeof row[numField.key] === 'number' ? row[numField.key] : 0
      const want = numberFor(numField, now + 1 === now ? 2 : now + 1)
      const input = page.locator(`${tid('rec-form')} ${tid(`rec-field-${numField.key}`)} input`).first()
      await input.fill(String(want))
      await input.blur()
      const updated = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/records/${key}/${row.id}` && r.request().method() === 'PUT')
      await page.locator(tid('rec-save')).click()
      await expectSaved(page)
      await updated
      const after = await api(page, `/records/${key}/${row.id}`)
      if (Number(after[numField.key]) !== want) throw new Error(`edit: ${numField.key} is ${after[numField.key]}, expected ${want}`)
      console.log(`edited ${numField.key}: ${now} → ${want}`)
    } else {
      console.log('edit: no numeric field in this register, skipped')
    }

    // 8. Delete it from the drawer.
    await detail.waitFor({ state: 'visible' })
    await page.locator(tid('rec-delete')).click()
    const box = page.locator('.el-message-box')
    await box.waitFor({ state: 'visible' })
    const deleted = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/records/${key}/${row.id}` && r.request().method() === 'DELETE')
    await box.locator('.el-button--primary').click()
    const dr = await deleted
    if (dr.status() !== 204) throw new Error(`delete answered ${dr.status()}: ${(await dr.text()).slice(0, 200)}`)
    await tr.waitFor({ state: 'detached' })
    const gone = await apiStatus(page, `/records/${key}/${row.id}`)
    if (gone !== 404) throw new Error(`row #${row.id} still answers ${gone} after delete`)
    console.log(`deleted #${row.id}`)

    // 9. Import a sheet with bad cells: the dialog lists them.
    if (badXlsx) {
      await page.locator(tid('rec-import')).click()
      const dlg = page.locator(tid('rec-import-dialog'))
      await dlg.waitFor({ state: 'visible' })
      await dlg.locator('input[type="file"]').setInputFiles(badXlsx)
      await page.locator(tid('rec-import-start')).click()
      const table = page.locator(tid('rec-import-errors'))
      await table.waitFor({ state: 'visible' }).catch(async () => {
        const msg = await page.locator(`${tid('rec-import-failed')}, .el-message__content`).allInnerTexts().catch(() => [])
        throw new Error(`no table of rejected cells after importing ${badXlsx}${msg.length ? `: ${msg.join(' | ')}` : ''}`)
      })
      const cells = await table.locator('.el-table__body tr').count()
      if (cells < 1) throw new Error('the table of rejected cells is empty')
      const firstRow = await table.locator('.el-table__body tr').first().locator('td').allInnerTexts()
      console.log(`import: ${cells} bad cells, first ${firstRow.map((s) => s.trim()).join(' / ')}`)
    }

    // 10. Optional: a GTFS feed imported through the bus routes' dialog shows its counts.
    const gtfsZip = process.env.GTFS_ZIP || ''
    if (gtfsZip) {
      await page.goto(`${base}/#/records/transit?r=bus_routes`)
      await page.locator(tid('rec-gtfs-import')).click()
      const dlg = page.locator(tid('rec-gtfs-dialog'))
      await dlg.waitFor({ state: 'visible' })
      await dlg.locator('input[type="file"]').setInputFiles(gtfsZip)
      await page.locator(tid('rec-gtfs-start')).click()
      const result = page.locator(tid('rec-gtfs-result'))
      await result.waitFor({ state: 'visible', timeout: 60_000 }).catch(async () => {
        const msg = await page.locator(`${tid('rec-gtfs-failed')}, .el-message__content`).allInnerTexts().catch(() => [])
        throw new Error(`no GTFS import result${msg.length ? `: ${msg.join(' | ')}` : ''}`)
      })
      const text = (await result.innerText()).replace(/\s+/g, ' ').trim()
      if (!/\d/.test(text)) throw new Error(`the GTFS result shows no counts: "${text}"`)
      console.log(`gtfs: ${text.slice(0, 120)}`)
      await dlg.locator('.el-dialog__footer .el-button').first().click()
    }

    // 11. Optional: a rule between fields (checkpoints: closed not before set up) is checked by
    // the form itself, on the field to correct, and nothing is sent.
    if (process.env.RULE_CHECK === '1') {
      await page.goto(`${base}/#/records/services?r=checkpoints`)
      await page.locator(tid('rec-new')).click()
      await page.locator(tid('rec-form')).waitFor({ state: 'visible' })
      for (const [key, v] of [['start_date', '2026-03-10'], ['end_date', '2026-03-01']]) {
        const input = page.locator(`${tid('rec-form')} ${tid(`rec-field-${key}`)} input`).first()
        await input.click()
        await input.fill(v)
        // Enter takes the date and closes the picker (Escape here would close the dialog).
        await input.press('Enter')
      }
      let posted = false
      const onRequest = (r) => {
        if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/records/checkpoints') posted = true
      }
      page.on('request', onRequest)
      await page.locator(tid('rec-save')).click()
      const err = page.locator(`${tid('rec-form')} ${tid('rec-field-end_date')} .el-form-item__error`)
      await err.waitFor({ state: 'visible' }).catch(() => {
        throw new Error('no error under 撤除日期 for an end before the start')
      })
      const text = (await err.innerText()).trim()
      if (!text.includes('不能早于') || !text.includes('2026-03-01')) throw new Error(`the rule's error reads "${text}"`)
      await page.waitForTimeout(300)
      page.off('request', onRequest)
      if (posted) throw new Error('the form sent a row that breaks a rule')
      console.log(`rule: ${text}`)
    }

    // 12. Optional: the annual review workflow of one submitted application.
    const reviewId = process.env.REVIEW_ID || ''
    if (reviewId) {
      await reviewWorkflow(page, base, reviewId, env('REVIEW_NO'))
      console.log('OK review')
    }

    console.log('OK records')
    await browser.close()
    process.exit(0)
  } catch (err) {
    if (page) await page.screenshot({ path: shot, fullPage: true }).catch(() => {})
    const shown = page
      ? await page
          .locator('.el-form-item__error, .el-message__content, [data-testid="login-error"], [data-testid="rec-form-error"]')
          .allInnerTexts()
          .catch(() => [])
      : []
    console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`)
    if (shown.length) console.error(`messages on screen: ${shown.join(' | ')}`)
    if (page) console.error(`screenshot: ${shot} (at ${page.url()})`)
    await browser.close().catch(() => {})
    process.exit(1)
  }
}

main().catch((err) => {
  console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
