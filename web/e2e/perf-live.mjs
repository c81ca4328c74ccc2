#!/usr/bin/env node
// Performance of 实时监控, run by `tongtu bench console` while its terminals report:
//
// 1. Initial load: a fresh browser context (empty cache) signs in through the API, opens
//    /#/live and waits until the fleet is on the map; the bytes come from the Resource Timing
//    entries (transferred, encoded and decoded body sizes; the document included).
// 2. Latency: after $WARMUP seconds, the terminal-to-marker latencies the page stamps
//    (`window.__tongtuLive.latencies()`: draw time − gateway receive time of each position in
//    the batch) are collected for $PERF_SECONDS seconds.
// 3. Panning: at zoom $PAN_ZOOM over the fleet (no clustering, every marker drawn) the map is
//    panned every animation frame for 5 s; frames (requestAnimationFrame) and MapLibre renders
//    are counted.
//
//   BASE_URL=... USERNAME=admin PASSWORD=... [PERF_SECONDS=60] [WARMUP=15] [PAN_ZOOM=13] \
//   [CENTER=lon,lat] node e2e/perf-live.mjs
//
// Prints one line `PERF <json>`; exit 1 with the reason on failure.
import { env, launchBrowser, STEP_TIMEOUT } from './lib.mjs'

const quantile = (xs, q) => {
  if (!xs.length) return null
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

async function main() {
  const base = env('BASE_URL').replace(/\/+$/, '')
  const seconds = Number(process.env.PERF_SECONDS || 60)
  const warmup = Number(process.env.WARMUP || 15)
  const panZoom = Number(process.env.PAN_ZOOM || 13)
  const center = (process.env.CENTER || '').split(',').map(Number)
  // Never hang a benchmark: the whole run has a deadline.
  setTimeout(() => {
    console.error('perf-live: timed out')
    process.exit(1)
  }, (warmup + seconds + 240) * 1000).unref()
  const browser = await launchBrowser()
  const out = {}
  try {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 768 } })
    const login = await context.request.post(`${base}/api/v1/auth/login`, {
      data: { username: env('USERNAME'), password: env('PASSWORD') },
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    })
    if (!login.ok()) throw new Error(`login failed: ${login.status()} ${await login.text()}`)
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT * 4)
    const errors = []
    page.on('pageerror', (e) => errors.push(e.message))

    // 1. Initial load.
    const t0 = Date.now()
    await page.goto(`${base}/#/live`)
    await page.waitForFunction(() => (window.__tongtuLive?.size() ?? 0) > 0)
    out.first_vehicles_ms = Date.now() - t0
    // Let the first batch settle (not `map.loaded()`: with the fleet reporting it rarely is).
    await page.waitForTimeout(3000)
    out.load = await page.evaluate(() => {
      const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
      const sum = { requests: 0, transfer_bytes: 0, encoded_bytes: 0, decoded_bytes: 0 }
      const byKind = {}
      for (const e of entries) {
        const u = new URL(e.name)
        const kind = u.pathname.startsWith('/api/') ? 'api' : (u.pathname.match(/\.(m?js|css|woff2?|png|svg)$/)?.[1] ?? 'document')
        const k = (byKind[kind] ??= { requests: 0, encoded_bytes: 0, decoded_bytes: 0 })
        k.requests++
        k.encoded_bytes += e.encodedBodySize
        k.decoded_bytes += e.decodedBodySize
        sum.requests++
        sum.transfer_bytes += e.transferSize
        sum.encoded_bytes += e.encodedBodySize
        sum.decoded_bytes += e.decodedBodySize
      }
      return { ...sum, by_kind: byKind }
    })
    out.vehicles_on_map = await page.evaluate(() => window.__tongtuLive?.size() ?? 0)

    // 2. Latency under the live feed.
    await page.waitForTimeout(warmup * 1000)
    await page.evaluate(() => window.__tongtuLive?.latencies(true))
    await page.waitForTimeout(seconds * 1000)
    const lat = await page.evaluate(() => window.__tongtuLive?.latencies(true) ?? [])
    out.latency_ms = {
      samples: lat.length,
      p50: quantile(lat, 0.5),
      p90: quantile(lat, 0.9),
      p99: quantile(lat, 0.99),
      max: lat.length ? Math.max(...lat) : null,
      seconds,
    }

    // 3. Panning with every marker drawn.
    out.pan = await page.evaluate(
      async ([zoom, c]) => {
        const m = window.__tongtuLive.map()
        const at = c.length === 2 && c.every(Number.isFinite) ? c : m.getCenter().toArray()
        m.jumpTo({ center: at, zoom })
        // Not 'idle': with the fleet reporting, the map is never idle for long.
        await new Promise((r) => setTimeout(r, 2000))
        const drawn = m.queryRenderedFeatures({ layers: ['vehicles'] }).length
        const clusters = m.queryRenderedFeatures({ layers: ['clusters'] }).length
        let frames = 0
        let renders = 0
        const onRender = () => renders++
        m.on('render', onRender)
        const start = performance.now()
        let worst = 0
        let last = start
        await new Promise((resolve) => {
          const step = (now) => {
            frames++
            worst = Math.max(worst, now - last)
            last = now
            const dir = Math.floor((now - start) / 1000) % 2 ? -1 : 1
            m.panBy([6 * dir, 2 * dir], { duration: 0 })
            if (now - start < 5000) requestAnimationFrame(step)
            else resolve()
          }
          requestAnimationFrame(step)
        })
        m.off('render', onRender)
        const secs = (performance.now() - start) / 1000
        return { zoom, markers_drawn: drawn, clusters_drawn: clusters, fps: frames / secs, renders_per_s: renders / secs, worst_frame_ms: worst }
      },
      [panZoom, center],
    )
    if (errors.length) throw new Error(`page errors: ${errors.slice(0, 3).join(' | ')}`)
  } finally {
    await browser.close()
  }
  console.log(`PERF ${JSON.stringify(out)}`)
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e))
  process.exit(1)
})
