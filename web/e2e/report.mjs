#!/usr/bin/env node
// Browser test of 工作总结 (/report): sign in, open the page for YEAR / HALF through the route's
// query, click 生成预览 and compare the preview with the JSON of the same endpoint fetched with
// the page's cookies — the title; the span of figure `road_passengers` shows the JSON `text`;
// clicking it opens the card with that value and record count and the figure's filtered link;
// following it shows the transport_stats list with as many rows as the figure counts; an item
// of the bridge repairs table opens its record; the missing-figures alert counts
// checks.missing — then click 下载 DOCX and expect a `.docx` download. Uses playwright-core
// with the system Chromium.
//
//   BASE_URL=http://127.0.0.1:8080 USERNAME=admin PASSWORD=... [YEAR=2026] [HALF=1] \
//   [CHROMIUM=/usr/bin/chromium] [SCREENSHOT=/tmp/report-failure.png] node e2e/report.mjs
//
// YEAR/HALF default to the last closed half year (Beijing time), like the page. Note that each
// json call records a run on the server (the page's and this script's). Prints `OK report`
// and exits 0, or prints the error, saves a screenshot and exits 1.
import { api, env, launchBrowser, newPage, signIn, squash, tid } from './lib.mjs'

const FIGURE = 'road_passengers'

function period() {
  const y = process.env.YEAR || ''
  const h = process.env.HALF || ''
  if (y && !/^\d{4}$/.test(y)) throw new Error(`YEAR must be YYYY, got "${y}"`)
  if (h && h !== '1' && h !== '2') throw new Error(`HALF must be 1 or 2, got "${h}"`)
  const d = new Date(Date.now() + 8 * 3600_000)
  const def = d.getUTCMonth() + 1 <= 6 ? { year: d.getUTCFullYear() - 1, half: 2 } : { year: d.getUTCFullYear(), half: 1 }
  return { year: y ? Number(y) : def.year, half: h ? Number(h) : def.half }
}

async function main() {
  const base = env('BASE_URL').replace(/\/+$/, '')
  const username = env('USERNAME')
  const password = env('PASSWORD')
  const shot = process.env.SCREENSHOT || '/tmp/report-failure.png'
  const p = period()

  const browser = await launchBrowser()
  let page
  try {
    page = await newPage(browser)
    await signIn(page, base, username, password)
    await page.locator(tid('menu-report')).waitFor({ state: 'visible' }).catch(() => {
      throw new Error('no menu entry menu-report after signing in (does the user see the projects register?)')
    })

    await page.goto(`${base}/#/report?year=${p.year}&half=${p.half}`)
    await page.locator(tid('rep-page')).waitFor({ state: 'visible' })
    const yearShown = squash(await page.locator(tid('rep-year')).first().innerText().catch(() => ''))
    if (!yearShown.includes(String(p.year))) throw new Error(`the year select shows "${yearShown}", expected ${p.year}`)
    const halfChecked = await page.locator(`${tid(`rep-half-${p.half}`)}.is-active`).count()
    if (!halfChecked) throw new Error(`the half radio does not show half ${p.half}`)
    console.log(`period: ${p.year} H${p.half}`)

    // 生成预览: the page's own request, then the document (or an error).
    const answer = page.waitForResponse((r) => {
      const u = new URL(r.url())
      return u.pathname === '/api/v1/report/half-year' && u.searchParams.get('format') === 'json' && u.searchParams.get('year') === String(p.year) && u.searchParams.get('half') === String(p.half)
    }, { timeout: 120_000 })
    await page.locator(tid('rep-generate')).click()
    const res = await answer
    if (!res.ok()) throw new Error(`the page's GET ${res.url()} answered ${res.status()}: ${(await res.text()).slice(0, 300)}`)
    const outcome = await Promise.race([
      page.locator(tid('rep-doc')).waitFor({ state: 'visible' }).then(() => 'ok'),
      page.locator(tid('rep-error')).waitFor({ state: 'visible' }).then(() => 'error'),
    ])
    if (outcome === 'error') throw new Error(`the page shows an error: ${squash(await page.locator(tid('rep-error')).innerText())}`)
    const mine = await res.json()

    // The JSON with the page's cookies (records one more run; the figures are the same).
    const d = await api(page, `/report/half-year?year=${p.year}&half=${p.half}&format=json`)
    if (d.document.title !== mine.document.title) throw new Error('the page and the script got different titles from the server')
    const title = squash(await page.locator(tid('rep-title')).innerText())
    if (title !== squash(d.document.title)) throw new Error(`title: the page shows "${title}", the API "${d.document.title}"`)
    console.log(`title: ${title}`)

    // The figure span, its card and the link to its register.
    const fig = d.figures.find((f) => f.id === FIGURE)
    if (!fig) throw new Error(`the JSON has no figure ${FIGURE}`)
    const span = page.locator(tid(`rep-fig-${FIGURE}`))
    if ((await span.count()) !== 1) throw new Error(`expected exactly one rep-fig-${FIGURE}, found ${await span.count()}`)
    const spanText = squash(await span.innerText())
    if (spanText !== squash(fig.text)) throw new Error(`rep-fig-${FIGURE} shows "${spanText}", the JSON text is "${fig.text}"`)
    await span.click()
    await page.locator(tid('rep-figure-card')).waitFor({ state: 'visible' })
    const value = squash(await page.locator(tid('rep-figure-value')).innerText())
    if (!value.includes(squash(fig.text))) throw new Error(`card value shows "${value}", expected it to contain "${fig.text}"`)
    const records = squash(await page.locator(tid('rep-figure-records')).innerText())
    if (!new RegExp(`(^|\\D)${fig.records}(\\D|$)`).test(records)) throw new Error(`card records shows "${records}", expected ${fig.records}`)
    const link = page.locator(tid('rep-figure-link'))
    await link.waitFor({ state: 'visible' }).catch(() => {
      throw new Error(`no rep-figure-link on the card of ${FIGURE} (source ${fig.source})`)
    })
    const href = (await link.getAttribute('href')) ?? ''
    const want = fig.link.replace(/^\/#/, '')
    if (!fig.link_filtered || !href.endsWith(want)) throw new Error(`rep-figure-link points at "${href}", expected …${want} (filtered)`)
    console.log(`figure ${FIGURE}: "${spanText}" ${fig.unit}, ${fig.records} records, link ${href}`)

    // Following the link: the register's list filtered to exactly the figure's records.
    await link.click()
    await page.locator('[data-register="transport_stats"]').waitFor({ state: 'visible' })
    const totalSel = `[data-register="transport_stats"] ${tid('total')}`
    await page.waitForFunction(
      ([sel, n]) => new RegExp(`(^|\\D)${n}(\\D|$)`).test(document.querySelector(sel)?.textContent ?? ''),
      [totalSel, fig.records],
      { timeout: 30_000 },
    ).catch(async () => {
      throw new Error(`the linked list shows "${squash(await page.locator(totalSel).innerText().catch(() => ''))}", expected ${fig.records} records`)
    })
    console.log(`linked list: ${fig.records} records`)
    await page.goBack()
    await page.locator(tid('rep-page')).waitFor({ state: 'visible' })
    if (!(await page.locator(tid('rep-doc')).count())) {
      await page.locator(tid('rep-generate')).click()
      await page.locator(tid('rep-doc')).waitFor({ state: 'visible', timeout: 120_000 })
    }

    // An item of the bridge repairs table opens its record.
    const item = page.locator('[data-list="bridge_repairs"][data-key="project"]').first()
    await item.waitFor({ state: 'visible' }).catch(() => {
      throw new Error('no item of the bridge_repairs list in the preview')
    })
    const record = await item.getAttribute('data-record')
    const project = squash(await item.innerText())
    await item.click()
    const detail = page.locator(`${tid('rec-detail')}[data-id="${record}"]`)
    await detail.waitFor({ state: 'visible' }).catch(() => {
      throw new Error(`clicking item ${record} did not open its record`)
    })
    const shown = squash(await page.locator(tid('rec-detail-project_name')).innerText())
    if (shown !== project) throw new Error(`the record shows project "${shown}", the report "${project}"`)
    console.log(`item: record ${record} "${project}"`)
    await page.goBack()
    await page.locator(tid('rep-page')).waitFor({ state: 'visible' })
    if (!(await page.locator(tid('rep-doc')).count())) {
      await page.locator(tid('rep-generate')).click()
      await page.locator(tid('rep-doc')).waitFor({ state: 'visible', timeout: 120_000 })
    }

    // The missing-figures alert.
    const nMissing = d.checks.missing.length
    if (nMissing) {
      const alert = page.locator(tid('rep-missing'))
      await alert.waitFor({ state: 'visible' }).catch(() => {
        throw new Error(`${nMissing} figures missing but no rep-missing alert`)
      })
      const count = Number(await alert.getAttribute('data-count'))
      const text = squash(await alert.innerText())
      if (count !== nMissing || !text.includes(String(nMissing))) throw new Error(`rep-missing says ${count} ("${text}"), checks.missing has ${nMissing}`)
    } else if (await page.locator(tid('rep-missing')).count()) {
      throw new Error('no figure missing but the page shows rep-missing')
    }
    console.log(`missing: ${nMissing}, changed since the previous run: ${mine.checks.changed.length}`)

    // 下载 DOCX.
    const dl = page.waitForEvent('download', { timeout: 120_000 })
    await page.locator(tid('rep-download-docx')).click()
    const file = await Promise.race([
      dl,
      page.locator(tid('rep-error')).waitFor({ state: 'visible', timeout: 120_000 }).then(async () => {
        throw new Error(`下载 DOCX failed: ${squash(await page.locator(tid('rep-error')).innerText())}`)
      }),
    ])
    const name = file.suggestedFilename()
    if (!name.toLowerCase().endsWith('.docx')) throw new Error(`the download is named "${name}", expected a .docx`)
    console.log(`download: ${name}`)

    console.log('OK report')
    await browser.close()
    process.exit(0)
  } catch (err) {
    if (page) await page.screenshot({ path: shot, fullPage: true }).catch(() => {})
    const shown = page ? await page.locator('.el-message__content, [data-testid="login-error"], [data-testid="rep-error"]').allInnerTexts().catch(() => []) : []
    console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`)
    if (shown.length) console.error(`messages on screen: ${shown.map(squash).join(' | ')}`)
    if (page) console.error(`screenshot: ${shot} (at ${page.url()})`)
    await browser.close().catch(() => {})
    process.exit(1)
  }
}

main().catch((err) => {
  console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
