#!/usr/bin/env node
// Browser test of 统计分析 (/figures) against a real server: sign in, find the menu entry,
// open the page for YEAR / THROUGH (through the route's query), and on each tab compare what
// is shown with the JSON of the same endpoint fetched with the page's cookies — the total gap
// ratio and every project row, each mode × measure cell of the transport table (cumulative
// and YoY text, "未报送" for modes without data), the plausibility flags, the 优良路率 per
// road class — and check each chart drew a canvas. Uses playwright-core with the system
// Chromium (never downloads a browser).
//
//   BASE_URL=http://127.0.0.1:8080 USERNAME=admin PASSWORD=... [YEAR=2026] [THROUGH=2026-10] \
//   [CHROMIUM=/usr/bin/chromium] [SCREENSHOT=/tmp/figures-failure.png] node e2e/figures.mjs
//
// YEAR defaults to the year of THROUGH, THROUGH to the month before this one (Beijing time),
// or December of YEAR when only YEAR is given. Prints `OK figures` and exits 0, or prints
// the error, saves a screenshot and exits 1.
import { api, env, launchBrowser, newPage, signIn, squash, tid } from './lib.mjs'

// ---- the page's formatting (src/components/figures/figures.ts) ----

const NONE = '—'
function fmtNum(v, decimals = 2) {
  if (v === null || v === undefined || !Number.isFinite(v)) return NONE
  const s = Math.abs(v).toFixed(decimals)
  const [int, frac] = s.split('.')
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const neg = v < 0 && Number(s) !== 0
  return `${neg ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`
}
const fmtPct = (v) => (v === null || v === undefined || !Number.isFinite(v) ? NONE : `${v.toFixed(1)}%`)
function fmtYoy(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return NONE
  const s = v.toFixed(1)
  return v > 0 && Number(s) !== 0 ? `+${s}%` : `${s}%`
}
const NOT_REPORTED = '未报送'

// ---- helpers ----

/** The period: THROUGH and YEAR from the environment, else the page's default. */
function period() {
  const y = process.env.YEAR || ''
  const th = process.env.THROUGH || ''
  if (y && !/^\d{4}$/.test(y)) throw new Error(`YEAR must be YYYY, got "${y}"`)
  if (th && !/^\d{4}-(0[1-9]|1[0-2])$/.test(th)) throw new Error(`THROUGH must be YYYY-MM, got "${th}"`)
  if (th && y && !th.startsWith(`${y}-`)) throw new Error(`THROUGH ${th} is not in YEAR ${y}`)
  if (th) return { year: Number(th.slice(0, 4)), through: th }
  if (y) return { year: Number(y), through: `${y}-12` }
  const d = new Date(Date.now() + 8 * 3600_000)
  let year = d.getUTCFullYear()
  let m = d.getUTCMonth()
  if (m === 0) {
    year -= 1
    m = 12
  }
  return { year, through: `${year}-${String(m).padStart(2, '0')}` }
}

/** Resolves with the answer of the page's own request to `endpoint` (fails on an error status). */
function figureResponse(page, endpoint, p) {
  return page
    .waitForResponse((r) => {
      const u = new URL(r.url())
      return (
        u.pathname === `/api/v1/figures/${endpoint}` &&
        u.searchParams.get('year') === String(p.year) &&
        (endpoint === 'pavement' || u.searchParams.get('through') === p.through)
      )
    })
    .then(async (r) => {
      if (!r.ok()) throw new Error(`the page's GET ${r.url()} answered ${r.status()}: ${(await r.text()).slice(0, 300)}`)
      return r
    })
}

/** Waits until the panel shows its figures (not the error, not the loading mask). */
async function panelReady(page, panel, ready) {
  const root = page.locator(tid(panel))
  await root.waitFor({ state: 'visible' })
  const err = root.locator(tid('fig-error'))
  const outcome = await Promise.race([
    root.locator(tid(ready)).first().waitFor({ state: 'visible' }).then(() => 'ok'),
    err.waitFor({ state: 'visible' }).then(() => 'error'),
  ])
  if (outcome === 'error') throw new Error(`${panel}: the page shows an error: ${(await err.innerText()).replace(/\s+/g, ' ')}`)
  await root.locator(':scope > .el-loading-mask').waitFor({ state: 'hidden' }).catch(() => {})
  await page.waitForTimeout(150)
  return root
}

async function textOf(page, id) {
  const loc = page.locator(tid(id)).first()
  await loc.waitFor({ state: 'visible' }).catch(() => {
    throw new Error(`no element with data-testid="${id}"`)
  })
  return squash(await loc.innerText())
}

function expectIncludes(what, text, parts) {
  for (const p of parts) if (!text.includes(p)) throw new Error(`${what}: shows "${text}", expected it to contain "${p}"`)
}

/** The chart drew: a canvas with a size inside the test id. */
async function expectCanvas(page, id) {
  const canvas = page.locator(`${tid(id)} canvas`).first()
  await canvas.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`chart ${id} has no canvas`)
  })
  const box = await canvas.boundingBox()
  if (!box || box.width < 10 || box.height < 10) throw new Error(`chart ${id}: canvas of ${box?.width}×${box?.height}`)
}

async function openTab(page, name) {
  await page.locator(tid(`fig-tab-${name}`)).click()
  await page.locator(`.el-tabs__item.is-active ${tid(`fig-tab-${name}`)}`).waitFor({ state: 'visible' })
  await page.waitForURL((u) => new URL(u).hash.includes(`tab=${name}`))
}

// ---- the tabs ----

async function checkProjects(page, p, pageAnswer) {
  await panelReady(page, 'fig-projects', 'fig-total-gap-ratio')
  const d = await api(page, `/figures/projects?year=${p.year}&through=${p.through}`)
  const mine = await pageAnswer.json()
  if (JSON.stringify(mine.total) !== JSON.stringify(d.total)) throw new Error('projects: the page and the script got different totals from the server')
  if (d.year !== p.year || d.through !== p.through) throw new Error(`projects: the server answered ${d.year} / ${d.through} for ${p.year} / ${p.through}`)

  const gapRatio = await textOf(page, 'fig-total-gap-ratio')
  if (gapRatio !== fmtPct(d.total.gap_ratio)) throw new Error(`total gap ratio: the page shows "${gapRatio}", the API ${JSON.stringify(d.total.gap_ratio)} → "${fmtPct(d.total.gap_ratio)}"`)
  expectIncludes('total completed', await textOf(page, 'fig-total-completed'), [fmtNum(d.total.completed_year)])
  expectIncludes('total plan', await textOf(page, 'fig-total-plan'), [fmtNum(d.total.plan_year)])
  expectIncludes('total gap', await textOf(page, 'fig-total-gap'), [fmtNum(d.total.gap)])
  expectIncludes('total % of plan', await textOf(page, 'fig-total-plan-pct'), [fmtPct(d.total.plan_pct)])
  expectIncludes('subsidies', await textOf(page, 'fig-subsidies-total'), [fmtNum(d.subsidies_total)])

  if (d.projects.length) {
    await page.locator(tid('fig-projects-table')).waitFor({ state: 'visible' })
    let flagged = 0
    for (const pr of d.projects) {
      const row = page.locator(`${tid('fig-projects-table')} ${tid(`fig-project-row-${pr.code.replace(/\s+/g, '_')}`)}`).first()
      await row.waitFor({ state: 'visible' }).catch(() => {
        throw new Error(`project ${pr.code}: no row fig-project-row-${pr.code}`)
      })
      const cells = (await row.locator('td').allInnerTexts()).map(squash)
      const want = [pr.code, fmtNum(pr.total_investment), fmtNum(pr.completed_year), fmtPct(pr.plan_pct), fmtNum(pr.cumulative), fmtNum(pr.gap), fmtPct(pr.gap_ratio)]
      const joined = cells.join(' | ')
      for (const w of want) if (!cells.some((c) => c === w || c.endsWith(w))) throw new Error(`project ${pr.code}: row shows "${joined}", missing "${w}"`)
      const warn = (pr.plan_pct !== null && pr.plan_pct < 50) || (pr.gap_ratio !== null && pr.gap_ratio > 30)
      const cls = (await row.getAttribute('class')) ?? ''
      if (warn !== cls.includes('fig-warn')) throw new Error(`project ${pr.code}: highlighted=${cls.includes('fig-warn')}, expected ${warn} (plan ${pr.plan_pct}%, gap ${pr.gap_ratio}%)`)
      if (warn) flagged++
    }
    const footer = squash(await page.locator(`${tid('fig-projects-table')} .el-table__footer`).first().innerText())
    expectIncludes('totals row', footer, [fmtNum(d.total.total_investment), fmtPct(d.total.gap_ratio)])
    await expectCanvas(page, 'fig-projects-chart')
    console.log(`projects: ${d.projects.length} rows (${flagged} highlighted), gap ratio ${gapRatio}, completed ${fmtNum(d.total.completed_year)} 万元`)
  } else {
    console.log(`projects: no projects, gap ratio ${gapRatio}`)
  }
}

async function checkTransport(page, p, pageAnswer) {
  await panelReady(page, 'fig-transport', 'fig-transport-table')
  await pageAnswer
  const d = await api(page, `/figures/transport?year=${p.year}&through=${p.through}`)
  let n = 0
  for (const m of d.modes) {
    for (const me of m.measures) {
      const text = await textOf(page, `fig-transport-cell-${m.mode}-${me.key}`)
      const want = m.reported ? [fmtNum(me.cumulative), fmtYoy(me.yoy_pct)] : [NOT_REPORTED, NONE]
      expectIncludes(`transport ${m.mode}/${me.key}`, text, want)
      if (m.reported && me.yoy_pct === null && !text.includes(NONE)) throw new Error(`transport ${m.mode}/${me.key}: YoY is null but no "—" shown`)
      n++
    }
  }
  const road = d.modes.find((m) => m.mode === 'road')?.measures.find((x) => x.key === 'passenger_volume')
  if (road) console.log(`transport: ${n} cells; road passenger volume ${fmtNum(road.cumulative)} 万人次, YoY ${fmtYoy(road.yoy_pct)}`)

  const port = await textOf(page, 'fig-port')
  expectIncludes('port', port, d.port.reported ? [fmtNum(d.port.cumulative), fmtYoy(d.port.yoy_pct)] : [NOT_REPORTED])

  const flags = page.locator(`${tid('fig-flags')} [data-testid^="fig-flag-"]`)
  const shown = await flags.count()
  if (shown !== d.flags.length) throw new Error(`数据核查: the page lists ${shown} flags, the API ${d.flags.length}`)
  for (let i = 0; i < d.flags.length; i++) {
    const f = d.flags[i]
    const text = squash(await flags.nth(i).innerText())
    expectIncludes(`flag ${i}`, text, [f.month, f.county ?? `#${f.county_id}`, fmtNum(f.value), f.reason])
  }
  console.log(`transport: ${shown} flags, port ${d.port.reported ? fmtNum(d.port.cumulative) : NOT_REPORTED}`)

  if (d.series.length) {
    await expectCanvas(page, 'fig-transport-chart')
    // Another measure redraws the chart (still a canvas).
    const sel = page.locator(`${tid('fig-transport-measure')}`)
    if (await sel.count()) {
      await sel.click()
      const opt = page.locator('.el-select-dropdown__item:visible').nth(2)
      await opt.click().catch(() => {})
      await expectCanvas(page, 'fig-transport-chart')
    }
  } else {
    console.log('transport: no monthly series, chart not drawn')
  }
}

async function checkPavement(page, p, pageAnswer) {
  await panelReady(page, 'fig-pavement', 'fig-pavement-total')
  await pageAnswer
  const d = await api(page, `/figures/pavement?year=${p.year}`)
  const classes = new Map(d.by_class.map((c) => [c.class, c]))
  const out = []
  for (const cl of new Set(['county', 'township', 'village', ...classes.keys()])) {
    const c = classes.get(cl)
    const text = await textOf(page, `fig-pavement-class-${cl}`)
    const want = fmtPct(c?.rate ?? null)
    expectIncludes(`优良路率 ${cl}`, text, [want])
    if (want === NONE && /\d+\.\d%/.test(text)) throw new Error(`优良路率 ${cl}: no surveys but the card shows a rate: "${text}"`)
    out.push(`${cl} ${want}`)
  }
  expectIncludes('优良路率 total', await textOf(page, 'fig-pavement-total'), [fmtPct(d.total.rate)])
  if (d.by_county_class.length) await expectCanvas(page, 'fig-pavement-chart')
  console.log(`pavement: ${out.join(', ')}; total ${fmtPct(d.total.rate)}`)
}

async function main() {
  const base = env('BASE_URL').replace(/\/+$/, '')
  const username = env('USERNAME')
  const password = env('PASSWORD')
  const shot = process.env.SCREENSHOT || '/tmp/figures-failure.png'
  const p = period()

  const browser = await launchBrowser()
  let page
  try {
    page = await newPage(browser)
    await signIn(page, base, username, password)

    // The menu entry (shown once the records schema lists the projects register).
    const menu = page.locator(tid('menu-figures'))
    await menu.waitFor({ state: 'visible' }).catch(() => {
      throw new Error('no menu entry menu-figures after signing in (does the user see the projects register?)')
    })

    // The period through the route's query; the pickers must show it.
    const projects = figureResponse(page, 'projects', p)
    await page.goto(`${base}/#/figures?year=${p.year}&through=${p.through}&tab=projects`)
    await page.locator(tid('fig-page')).waitFor({ state: 'visible' })
    const yearShown = await page.locator(`${tid('fig-year')} input`).inputValue()
    const throughShown = await page.locator(`${tid('fig-through')} input`).inputValue()
    if (yearShown !== String(p.year) || throughShown !== p.through) {
      throw new Error(`the pickers show ${yearShown} / ${throughShown}, expected ${p.year} / ${p.through}`)
    }
    console.log(`period: ${p.year}, through ${p.through}`)

    await checkProjects(page, p, await projects)

    const transport = figureResponse(page, 'transport', p)
    await openTab(page, 'transport')
    await checkTransport(page, p, transport)

    const pavement = figureResponse(page, 'pavement', p)
    await openTab(page, 'pavement')
    await checkPavement(page, p, pavement)

    console.log('OK figures')
    await browser.close()
    process.exit(0)
  } catch (err) {
    if (page) await page.screenshot({ path: shot, fullPage: true }).catch(() => {})
    const shown = page ? await page.locator('.el-message__content, [data-testid="login-error"], [data-testid="fig-error"]').allInnerTexts().catch(() => []) : []
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
