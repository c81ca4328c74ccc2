// Live monitoring for the mock backend (docs/live-api.md): a generated fleet around Yangjiang
// (MOCK_LIVE_VEHICLES, default 3000; vehicles 10–14 are the alarm mock's plates), a small
// basemap, tracks per vehicle and position messages on the feed every second.
const N = Number(process.env.MOCK_LIVE_VEHICLES || 3000)
const C = [111.98, 21.86]
const CLASSES = ['coach', 'charter_bus', 'hazmat', 'heavy_truck', 'tractor', 'truck', 'taxi', 'bus']
const ENT = { 1: '阳江市运输集团有限公司', 2: '阳春危化物流有限公司' }
const FIXED = { 10: '粤Q3A218', 11: '粤Q8K602', 12: '粤Q0FF11', 13: '粤QD1234', 14: '粤Q77Z09' }
let seed = 7
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)

const fleet = []
for (let i = 0; i < N; i++) {
  const id = 10 + i
  const ent = i < 5 ? ((i % 5) < 3 ? 1 : 2) : rnd() < 0.6 ? 1 : 2
  const r = rnd()
  const state = r < 0.05 ? 'never' : r < 0.2 ? 'offline' : r < 0.65 ? 'moving' : 'stopped'
  const speed = state === 'moving' ? 20 + Math.round(rnd() * 70) : 0
  fleet.push({
    vehicle_id: id,
    plate: FIXED[id] ?? `粤Q${(10000 + i).toString(36).toUpperCase().slice(-5)}`,
    plate_color: 2,
    vehicle_type: CLASSES[i % CLASSES.length],
    enterprise_id: ent,
    enterprise_name: ENT[ent],
    region_id: ent,
    lat: state === 'never' ? null : C[1] + (rnd() - 0.5) * 0.5,
    lon: state === 'never' ? null : C[0] + (rnd() - 0.5) * 0.8,
    speed_kmh: state === 'never' ? null : speed,
    direction: state === 'never' ? null : Math.round(rnd() * 359),
    t: state === 'never' ? null : new Date(Date.now() - rnd() * 600_000).toISOString(),
    state,
    online: state === 'moving' || state === 'stopped',
    open_alarms: rnd() < 0.03 ? 1 + Math.floor(rnd() * 3) : 0,
  })
}
const visible = (user, v) => !user.enterprise_id || user.enterprise_id === v.enterprise_id

const BASEMAP = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { kind: 'road', name: '沈海高速', class: 'expressway', limit_kmh: 120 }, geometry: { type: 'LineString', coordinates: [[111.55, 21.78], [111.8, 21.83], [112.0, 21.9], [112.4, 21.95]] } },
    { type: 'Feature', properties: { kind: 'road', name: 'G325', class: 'national', limit_kmh: 80 }, geometry: { type: 'LineString', coordinates: [[111.6, 21.9], [111.9, 21.85], [111.98, 21.86], [112.3, 21.88]] } },
    { type: 'Feature', properties: { kind: 'road', name: 'S277', class: 'provincial', limit_kmh: 70 }, geometry: { type: 'LineString', coordinates: [[111.98, 21.86], [111.95, 22.05], [111.8, 22.17]] } },
    { type: 'Feature', properties: { kind: 'road', name: '东风路', class: 'urban', limit_kmh: 50 }, geometry: { type: 'LineString', coordinates: [[111.95, 21.85], [112.02, 21.87]] } },
    { type: 'Feature', properties: { kind: 'road', name: '港口路', class: 'port', limit_kmh: 40 }, geometry: { type: 'LineString', coordinates: [[111.98, 21.86], [112.0, 21.75]] } },
    { type: 'Feature', properties: { kind: 'place', name: '江城区', place_kind: 'district' }, geometry: { type: 'Point', coordinates: [111.98, 21.86] } },
    { type: 'Feature', properties: { kind: 'place', name: '阳春市', place_kind: 'city' }, geometry: { type: 'Point', coordinates: [111.79, 22.17] } },
    { type: 'Feature', properties: { kind: 'place', name: '阳江港', place_kind: 'port' }, geometry: { type: 'Point', coordinates: [112.0, 21.75] } },
  ],
}

function parseWhen(s, fallback) {
  if (!s) return fallback
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(`${s}T00:00:00+08:00`)
  const t = Date.parse(s)
  return Number.isNaN(t) ? fallback : t
}

function trackOf(v, from, to) {
  const points = []
  const end = Math.min(to, Date.now())
  let lat = (v.lat ?? C[1]) - 0.05
  let lon = (v.lon ?? C[0]) - 0.05
  let dir = 45
  let k = 0
  for (let t = Math.max(from, end - 6 * 3600_000); t <= end && points.length < 20000; t += 30_000, k++) {
    const stopped = k % 240 > 220 // a 10-minute stop every 2 hours
    const speed = stopped ? 0 : 30 + ((k * 13) % 70)
    dir = (dir + ((k * 7) % 11) - 5 + 360) % 360
    if (!stopped) {
      lat += Math.cos((dir * Math.PI) / 180) * speed * 0.0000075
      lon += Math.sin((dir * Math.PI) / 180) * speed * 0.0000080
    }
    points.push({ t: new Date(t).toISOString(), lat: +lat.toFixed(6), lon: +lon.toFixed(6), speed_kmh: speed, direction: dir, valid: k % 97 !== 5, alarm_bits: speed > 90 ? 2 : 0 })
  }
  return points
}

export async function liveApi({ path, url, user, send, fail, res }) {
  if (path === '/live/vehicles') {
    const items = fleet.filter((v) => visible(user, v))
    const counts = { total: items.length, moving: 0, stopped: 0, offline: 0, never: 0, alarming: 0 }
    for (const v of items) {
      counts[v.state]++
      if (v.open_alarms > 0) counts.alarming++
    }
    return send(200, { at: new Date().toISOString(), counts, items })
  }
  if (path === '/map/basemap') return send(200, BASEMAP)
  const m = /^\/vehicles\/(\d+)\/track$/.exec(path)
  if (m) {
    const v = fleet.find((x) => x.vehicle_id === Number(m[1]))
    if (!v || !visible(user, v)) return fail(404, 'not_found', '车辆不存在')
    const from = parseWhen(url.searchParams.get('from'), Date.now() - 86400_000)
    const to = parseWhen(url.searchParams.get('to'), Date.now())
    if (to - from > 7 * 86400_000 + 1000) return fail(422, 'range_too_long', '时间范围最长 7 天')
    const points = trackOf(v, from, to)
    const fmt = url.searchParams.get('format')
    if (fmt) {
      const body = fmt === 'csv' ? 't,lat,lon,speed_kmh,direction\n' + points.map((p) => `${p.t},${p.lat},${p.lon},${p.speed_kmh},${p.direction}`).join('\n') : `<!-- ${fmt} mock -->`
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Disposition': `attachment; filename="track-${v.vehicle_id}.${fmt}"` })
      return res.end(body)
    }
    return send(200, { vehicle_id: v.vehicle_id, plate: v.plate, from: new Date(from).toISOString(), to: new Date(to).toISOString(), truncated: false, points })
  }
  return false
}

/** Moves the moving vehicles a little; returns the position messages a user may see. */
export function feedTick() {
  const out = []
  for (const v of fleet) {
    if (v.state !== 'moving' || rnd() > 0.3) continue
    v.lat += Math.cos((v.direction * Math.PI) / 180) * 0.0004
    v.lon += Math.sin((v.direction * Math.PI) / 180) * 0.0004
    v.t = new Date().toISOString()
    out.push({ enterprise_id: v.enterprise_id, msg: { type: 'position', vehicle_id: v.vehicle_id, lat: v.lat, lon: v.lon, speed_kmh: v.speed_kmh, direction: v.direction, t: v.t, state: v.state } })
  }
  return out
}

/** A server→client WebSocket text frame. */
export function wsFrame(text) {
  const p = Buffer.from(text, 'utf8')
  const head = p.length < 126 ? Buffer.from([0x81, p.length]) : p.length < 65536 ? Buffer.from([0x81, 126, p.length >> 8, p.length & 255]) : null
  if (!head) {
    const h = Buffer.alloc(10)
    h[0] = 0x81
    h[1] = 127
    h.writeBigUInt64BE(BigInt(p.length), 2)
    return Buffer.concat([h, p])
  }
  return Buffer.concat([head, p])
}
