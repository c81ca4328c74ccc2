#!/usr/bin/env node
// Screenshots of the alarm pages for docs/screenshots (alarms.png, alarm-detail.png,
// alarm-stats.png), taken from a running demo that has alarms:
//
//   BASE_URL=http://127.0.0.1:18080 [U=admin P=demo-pass-2026] [ALARM=<id> | RULE=speeding] \
//   [OUT=../docs/screenshots] node e2e/alarm-screenshots.mjs
import { chromium } from 'playwright-core'
const base = process.env.BASE_URL
const out = process.env.OUT || '/work/main/docs/screenshots'
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] })
const tid = (x) => `[data-testid="${x}"]`
const ctx = await b.newContext({ locale: 'zh-CN', viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 })
const p = await ctx.newPage()
p.setDefaultTimeout(20000)
const errs = []
p.on('console', (m) => { if (m.type() === 'error') errs.push(m.text()) })
p.on('pageerror', (e) => errs.push('pageerror: ' + e.message))
await p.goto(`${base}/#/login`)
await p.fill(tid('login-username'), process.env.U || 'admin')
await p.fill(tid('login-password'), process.env.P || 'demo-pass-2026')
await p.click(tid('login-submit'))
await p.waitForSelector(tid('current-user'))
const api = (path) => p.evaluate(async (u) => (await fetch(u, { headers: { 'X-Requested-With': 'XMLHttpRequest' } })).json(), `/api/v1${path}`)

await p.goto(`${base}/#/alarms`)
await p.waitForSelector('tr[data-testid^="alarm-row-"]')
await p.click(tid('filter-range-all'))
await p.click(tid('field-filter-severity'))
await p.click(tid('opt-filter-severity-serious'))
await p.waitForTimeout(1500)
await p.screenshot({ path: `${out}/alarms.png` })

// A speeding alarm with a good track for the detail page.
const rule = process.env.RULE || 'speeding'
const list = await api(`/alarms?rule=${rule}&limit=50`)
let pick = null
for (const a of list.items ?? []) {
  const ev = await api(`/alarms/${a.id}/evidence`)
  if ((ev.points ?? []).length > 20) { pick = a; break }
}
if (process.env.ALARM) pick = await api(`/alarms/${process.env.ALARM}`)
pick ??= list.items?.[0] ?? (await api('/alarms?limit=1')).items[0]
console.log('detail of alarm', pick.id, pick.rule, pick.plate)
await p.goto(`${base}/#/alarms/${pick.id}`)
await p.waitForSelector(`${tid('evidence-map')} canvas`)
await p.waitForTimeout(2500)
await p.screenshot({ path: `${out}/alarm-detail.png`, fullPage: true })

await p.goto(`${base}/#/alarms/stats`)
await p.waitForSelector(tid('chart-by-rule'))
await p.waitForTimeout(2500)
await p.setViewportSize({ width: 1600, height: 1380 })
await p.waitForTimeout(800)
await p.screenshot({ path: `${out}/alarm-stats.png` })
console.log(errs.length ? `console errors:\n${errs.join('\n')}` : 'no console errors')
await b.close()
