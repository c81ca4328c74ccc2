#!/usr/bin/env node
// Screenshots of 今日概览, 实时监控 and 轨迹回放 for docs/screenshots (dashboard.png, live-map.png,
// live-map-detail.png, playback.png),
// taken at 1366×768 from a running demo with its fleet:
//
//   BASE_URL=http://127.0.0.1:18080 [U=admin P=demo-pass-2026] [VEHICLE=<id>] \
//   [OUT=../docs/screenshots] node e2e/live-screenshots.mjs
import { launchBrowser, tid } from './lib.mjs'
const base = process.env.BASE_URL
const out = process.env.OUT || new URL('../../docs/screenshots', import.meta.url).pathname
const b = await launchBrowser()
const ctx = await b.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, timezoneId: 'Asia/Shanghai' })
const p = await ctx.newPage()
p.setDefaultTimeout(20000)
const errs = []
p.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) errs.push(m.text()) })
p.on('pageerror', (e) => errs.push('pageerror: ' + e.message))
await p.goto(`${base}/#/login`)
await p.fill(tid('login-username'), process.env.U || 'admin')
await p.fill(tid('login-password'), process.env.P || 'demo-pass-2026')
await p.click(tid('login-submit'))
await p.waitForSelector(tid('current-user'))
const api = (path) => p.evaluate(async (u) => (await fetch(u, { headers: { 'X-Requested-With': 'XMLHttpRequest' } })).json(), `/api/v1${path}`)

// The first screen after sign-in: 今日概览.
await p.waitForSelector(`${tid('dash-by-class')} canvas`)
await p.waitForTimeout(2000)
await p.screenshot({ path: `${out}/dashboard.png` })

await p.goto(`${base}/#/live`)
await p.waitForFunction(() => (window.__tongtuLive?.size() ?? 0) > 0)
await p.waitForTimeout(2500)
await p.screenshot({ path: `${out}/live-map.png` }) // the whole fleet
const snap = await api('/live/vehicles')
const pick = process.env.VEHICLE ? Number(process.env.VEHICLE) : (snap.items.find((v) => v.state === 'moving') ?? snap.items.find((v) => v.lat !== null))?.vehicle_id
if (pick) {
  const v = snap.items.find((x) => x.vehicle_id === pick)
  await p.fill(tid('live-search'), v.plate)
  await p.press(tid('live-search'), 'Enter')
  await p.waitForSelector(tid('live-detail'))
  await p.waitForTimeout(2500)
  await p.screenshot({ path: `${out}/live-map-detail.png` })
}

if (pick) {
  await p.click(tid('live-detail-playback'))
  await p.waitForFunction(() => (window.__tongtuPlayback?.size() ?? 0) > 0)
  await p.click(tid('speed-300'))
  await p.click(tid('playback-play'))
  await p.waitForTimeout(2500)
  await p.click(tid('playback-pause')).catch(() => {})
  await p.waitForTimeout(500)
  await p.screenshot({ path: `${out}/playback.png` })
}
await b.close()
if (errs.length) {
  console.error(errs.join('\n'))
  process.exit(1)
}
console.log(`OK ${out}/dashboard.png live-map.png live-map-detail.png playback.png (vehicle ${pick})`)
