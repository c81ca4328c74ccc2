#!/usr/bin/env node
// Browser test of 实时监控 and 轨迹回放. Signs in, opens 实时监控 from the menu and checks:
// the side panel's online count equals $EXPECT_ONLINE (what `/live/vehicles` reports for this
// user), $OTHER_PLATE (another enterprise's vehicle) cannot be found, and the map feature of
// vehicle $MOVE_VEHICLE_ID changes coordinates after the test moves it (the script prints
// `READY-TO-MOVE <lon> <lat>` and waits; the caller then sends the new position). Then it opens
// 轨迹回放 for that vehicle (the 轨迹回放 button of its detail card), presses play and checks the
// marker moves and a table row is highlighted. Before the map: 今日概览 (the first screen after
// sign-in) must show the same online count; on the card: today's mileage and a position query
// (0x8201) answered by the terminal. Every request to another origin than $BASE_URL
// is aborted and fails the test (the console must work with no outside network). Also fails
// on console errors of the page.
//
//   BASE_URL=http://127.0.0.1:8080 USERNAME=officer PASSWORD=... EXPECT_ONLINE=3 \
//   OTHER_PLATE=粤Q99999 MOVE_VEHICLE_ID=12 [MOVE_PLATE=粤Q0FF11] \
//   [SCREENSHOT_LIVE=/tmp/live.png] [SCREENSHOT_PLAYBACK=/tmp/playback.png] node e2e/live-map.mjs
//
// Prints `OK live <online> moved <id> playback <index>` and exits 0; else the error, exit 1.
import { env, launchBrowser, newPage, signIn, STEP_TIMEOUT, tid } from './lib.mjs'

const MOVE_TIMEOUT = Number(process.env.MOVE_TIMEOUT_MS || 30000)

function ignorable(text) {
  return /Failed to load resource: the server responded with a status of 401/.test(text)
}

async function main() {
  const base = env('BASE_URL').replace(/\/+$/, '')
  const origin = new URL(base).origin
  const username = env('USERNAME')
  const password = env('PASSWORD')
  const expectOnline = process.env.EXPECT_ONLINE
  const otherPlate = process.env.OTHER_PLATE || ''
  const moveId = Number(env('MOVE_VEHICLE_ID'))
  const shotLive = process.env.SCREENSHOT_LIVE || ''
  const shotPlayback = process.env.SCREENSHOT_PLAYBACK || ''
  const shotDashboard = process.env.SCREENSHOT_DASHBOARD || ''
  const shotCard = process.env.SCREENSHOT_CARD || ''
  // An online basemap's tile service (another origin the page may reach).
  const tileOrigin = process.env.TILE_ORIGIN || ''

  const browser = await launchBrowser()
  const consoleErrors = []
  const foreign = []
  let page
  let result = ''
  try {
    page = await newPage(browser)
    await page.setViewportSize({ width: 1366, height: 768 })
    // No outside network: abort and record anything not same-origin (ws: counts by host).
    await page.context().route('**/*', (route) => {
      const u = new URL(route.request().url())
      const same = u.origin === origin || u.origin === tileOrigin || u.protocol === 'data:' || u.protocol === 'blob:'
      if (same) return route.continue()
      foreign.push(route.request().url())
      return route.abort()
    })
    page.on('websocket', (ws) => {
      const u = new URL(ws.url())
      if (u.host !== new URL(base).host) foreign.push(ws.url())
    })
    page.on('console', (m) => {
      if (m.type() === 'error' && !ignorable(m.text())) consoleErrors.push(m.text())
    })
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`))

    await signIn(page, base, username, password)
    // 0. The first screen is 今日概览: its online figure is the user's, as the API says.
    await page.waitForURL(/#\/dashboard(\?|$)/)
    const dashOnline = page.locator(tid('dash-online'))
    await dashOnline.waitFor({ state: 'visible' })
    if (expectOnline !== undefined) {
      try {
        await page.waitForFunction(
          ([sel, want]) => document.querySelector(sel)?.textContent?.trim() === want,
          [tid('dash-online'), String(expectOnline)],
          { timeout: 5000 },
        )
      } catch {
        throw new Error(`今日概览 shows ${await dashOnline.textContent()} online, /live/vehicles reports ${expectOnline}`)
      }
    }
    await page.locator(`${tid('dash-by-class')} canvas`).first().waitFor({ state: 'visible' })
    if (shotDashboard) {
      await page.waitForTimeout(800)
      await page.screenshot({ path: shotDashboard })
    }

    const menu = page.locator(tid('menu-live'))
    await menu.waitFor({ state: 'visible' })
    await menu.click()
    await page.waitForURL(/#\/live(\?|$)/)
    await page.locator(`${tid('live-map')} canvas`).first().waitFor({ state: 'visible' })

    // 1. Online count.
    const online = page.locator(tid('live-count-online'))
    await online.waitFor({ state: 'visible' })
    await page.waitForFunction(() => (window.__tongtuLive?.size() ?? 0) > 0, null, { timeout: STEP_TIMEOUT })
    const got = await online.getAttribute('data-count')
    if (expectOnline !== undefined && got !== String(expectOnline)) {
      // The feed may still be settling: give it a few seconds.
      try {
        await page.waitForFunction(
          ([sel, want]) => document.querySelector(sel)?.getAttribute('data-count') === want,
          [tid('live-count-online'), String(expectOnline)],
          { timeout: 5000 },
        )
      } catch {
        throw new Error(`side panel shows ${await online.getAttribute('data-count')} online vehicles, /live/vehicles reports ${expectOnline}`)
      }
    }

    if (shotLive) {
      await page.waitForTimeout(1500)
      await page.screenshot({ path: shotLive })
    }

    // 2. Another enterprise's plate is not found.
    if (otherPlate) {
      await page.locator(tid('live-search')).fill(otherPlate)
      await page.locator(tid('live-search')).press('Enter')
      const rows = await page.locator(`${tid('live-list')} [data-testid^="live-row-"]`).count()
      if (rows) throw new Error(`another enterprise's plate ${otherPlate} is listed (${rows} rows)`)
      await page.locator(tid('live-search')).fill('')
    }

    // 3. The moved vehicle's feature changes coordinates.
    const before = await page.evaluate((id) => window.__tongtuLive?.vehicle(id) ?? null, moveId)
    if (!before) throw new Error(`vehicle ${moveId} has no feature in the map source (no position?)`)
    const [lon0, lat0] = before.geometry.coordinates
    console.log(`READY-TO-MOVE ${lon0} ${lat0}`)
    try {
      await page.waitForFunction(
        ([id, lon, lat]) => {
          const f = window.__tongtuLive?.vehicle(id)
          const c = f?.geometry?.coordinates
          return !!c && (Math.abs(c[0] - lon) > 1e-6 || Math.abs(c[1] - lat) > 1e-6)
        },
        [moveId, lon0, lat0],
        { timeout: MOVE_TIMEOUT, polling: 250 },
      )
    } catch {
      throw new Error(`vehicle ${moveId} did not move on the map within ${MOVE_TIMEOUT} ms (was ${lon0},${lat0})`)
    }
    const after = await page.evaluate((id) => window.__tongtuLive?.vehicle(id), moveId)
    const feed = (await page.locator(tid('live-feed')).getAttribute('class'))?.includes('on') ? 'feed' : 'polling'

    // 3b. The online basemap (GCJ-02): tiles come from its service and the vehicle is drawn
    // shifted by the datum (hundreds of metres); back on the offline basemap it is exactly where
    // the terminal said.
    if (tileOrigin) {
      const wgs = after.geometry.coordinates
      const tile = page.waitForRequest((r) => r.url().startsWith(tileOrigin))
      await page.locator(tid('basemap-select')).click()
      await page.locator('.el-select-dropdown__item', { hasText: '测试瓦片' }).click()
      await tile
      const moved = await page.waitForFunction(
        ([id, c]) => {
          const g = window.__tongtuLive?.vehicle(id)?.geometry?.coordinates
          return g && (g[0] !== c[0] || g[1] !== c[1]) ? g : null
        },
        [moveId, wgs],
        { timeout: STEP_TIMEOUT },
      )
      const [gx, gy] = await moved.jsonValue()
      const shift = Math.hypot((gx - wgs[0]) * 111320 * Math.cos((wgs[1] * Math.PI) / 180), (gy - wgs[1]) * 110540)
      if (!(shift > 100 && shift < 1000)) throw new Error(`GCJ-02 shift of ${shift.toFixed(0)} m on the online basemap`)
      await page.locator(tid('basemap-select')).click()
      await page.locator('.el-select-dropdown__item', { hasText: '离线底图' }).click()
      await page.waitForFunction(
        ([id, c]) => {
          const g = window.__tongtuLive?.vehicle(id)?.geometry?.coordinates
          return !!g && g[0] === c[0] && g[1] === c[1]
        },
        [moveId, wgs],
        { timeout: STEP_TIMEOUT },
      )
      console.log(`GCJ02-SHIFT ${shift.toFixed(0)}`)
    }

    // 4. Its detail card → 轨迹回放.
    await page.locator(`${tid(`live-row-${moveId}`)}`).waitFor({ state: 'attached' }).catch(() => {})
    const row = page.locator(tid(`live-row-${moveId}`))
    if (await row.count()) {
      await row.click()
    } else {
      const plate = after?.properties?.plate ?? ''
      await page.locator(tid('live-search')).fill(String(plate))
      await page.locator(tid('live-search')).press('Enter')
    }
    await page.locator(tid('live-detail')).waitFor({ state: 'visible' })
    // Its card: today's mileage, then a position query the terminal answers.
    await page.locator(tid('card-mileage')).waitFor({ state: 'visible' })
    const mileage = (await page.locator(tid('card-mileage')).textContent())?.trim() ?? ''
    if (!/\d+\.\d km/.test(mileage)) throw new Error(`today's mileage on the card reads "${mileage}"`)
    await page.locator(tid('card-locate')).click()
    try {
      await page.locator(`${tid('card-answer')}[data-kind="locate"][data-result="accepted"]`).waitFor({ state: 'visible' })
    } catch {
      const msg = await page.locator('.el-message').first().textContent().catch(() => '')
      throw new Error(`no accepted answer to the position query on the card${msg ? `: ${msg}` : ''}`)
    }
    if (shotCard) {
      await page.waitForTimeout(500)
      await page.screenshot({ path: shotCard })
    }
    await page.locator(tid('live-detail-playback')).click()
    await page.waitForURL(/#\/playback\?/)
    await page.locator(`${tid('playback-map')} canvas`).first().waitFor({ state: 'visible' })
    try {
      await page.waitForFunction(() => (window.__tongtuPlayback?.size() ?? 0) > 1, null, { timeout: STEP_TIMEOUT })
    } catch {
      const msg = await page.locator(tid('playback-error')).or(page.locator(tid('playback-empty'))).first().textContent().catch(() => '')
      throw new Error(`the track of vehicle ${moveId} has fewer than 2 points${msg ? `: ${msg}` : ''}`)
    }
    const p0 = await page.evaluate(() => window.__tongtuPlayback?.position())
    await page.locator(tid('speed-300')).click()
    await page.locator(tid('playback-play')).click()
    try {
      await page.waitForFunction(
        (p) => {
          const q = window.__tongtuPlayback?.position()
          return !!q && !!p && (q[0] !== p[0] || q[1] !== p[1])
        },
        p0,
        { timeout: STEP_TIMEOUT },
      )
    } catch {
      throw new Error('the playback marker did not move after pressing play')
    }
    const playing = page.locator(`${tid('track-table')} tr.is-playing`)
    await playing.first().waitFor({ state: 'visible' })
    const idx = await page.evaluate(() => window.__tongtuPlayback?.index())
    if (shotPlayback) {
      await page.locator(tid('playback-pause')).click().catch(() => {})
      await page.waitForTimeout(500)
      await page.screenshot({ path: shotPlayback })
    }
    if (foreign.length) throw new Error(`requests to other origins: ${[...new Set(foreign)].slice(0, 5).join(', ')}`)
    if (consoleErrors.length) throw new Error(`console errors: ${consoleErrors.slice(0, 5).join(' | ')}`)
    result = `OK live ${got} moved ${moveId} playback ${idx} via ${feed}`
  } catch (e) {
    if (page) await page.screenshot({ path: '/tmp/live-map-failure.png' }).catch(() => {})
    throw e
  } finally {
    await browser.close()
  }
  console.log(result)
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e))
  process.exit(1)
})
