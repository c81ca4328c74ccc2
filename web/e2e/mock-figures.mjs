// The figures API (`/figures/projects|transport|pavement`) for the mock backend, computed from
// small fixed data sets the way crates/tongtu-records/src/agg/ does, with the cases the page
// must not show as 0: a project without an annual plan, a mode not reported this year, a road
// class without surveys, a port without last year's figures in some periods. Enterprise users
// get 403 (like the bureau registers). Used by mock-server.mjs.

const round = (v, s) => Math.round(v * 10 ** s) / 10 ** s
const pct = (part, whole) => (whole !== 0 ? (part / whole) * 100 : null)
const yoy = (now, before) => (before !== 0 ? ((now - before) / before) * 100 : null)
const beijingYear = () => new Date(Date.now() + 8 * 3600_000).getUTCFullYear()

const COUNTIES = { 1: '江城区', 2: '阳春市', 3: '阳西县' }

// ---- projects ----

const KINDS = [['railway', '铁路'], ['expressway', '高速公路'], ['trunk_road', '国省干线公路'], ['port_berth', '港口码头']]
const STATUSES = { preparing: '前期', building: '在建', completed: '完工' }
const PROJECTS = [
  { id: 1, code: 'XM-2025-001', name: '阳江港吉树作业区', kind: 'port_berth', status: 'building', total: 235000, secured: 180000 },
  { id: 2, code: 'XM-2025-002', name: '阳信高速阳春段', kind: 'expressway', status: 'building', total: 880000.5, secured: 500000 },
  { id: 3, code: 'XM-2024-007', name: 'G325 江城改线', kind: 'trunk_road', status: 'completed', total: 56000, secured: 56000 },
  { id: 4, code: 'XM-2026-003', name: '深湛铁路阳江段配套', kind: 'railway', status: 'preparing', total: 120000, secured: 30000 },
  { id: 5, code: 'XM-2026-004', name: 'S277 阳西段改建', kind: 'trunk_road', status: 'preparing', total: 0, secured: 0 },
]
/** Annual plans (万元) by project and year; project 4 has none in any year. */
const PLANS = { 1: 40000, 2: 150000, 3: 8000, 5: 2000 }
/** Monthly completed investment: a fixed share of the plan per month, from 2024 on. */
function completedIn(p, month) {
  const plan = PLANS[p.id] ?? 1500
  const [y, m] = month.split('-').map(Number)
  if (y < 2024) return 0
  const factor = { 1: 0.07, 2: 0.035, 3: 0.09, 4: 0.6, 5: 0.02 }[p.id]
  return round(plan * factor * (1 + ((m * 7 + y) % 5) / 10), 2)
}
const months = (y, toM) => Array.from({ length: toM }, (_, i) => `${y}-${String(i + 1).padStart(2, '0')}`)

function projectsSummary(year, through) {
  const tm = Number(through.slice(5))
  const out = PROJECTS.map((p) => {
    const plan = PLANS[p.id] ?? null
    const yearDone = months(year, tm).reduce((s, m) => s + completedIn(p, m), 0)
    let cumulative = yearDone
    for (let y = 2024; y < year; y++) cumulative += months(y, 12).reduce((s, m) => s + completedIn(p, m), 0)
    const gap = Math.max(0, p.total - p.secured)
    return {
      id: p.id, code: p.code, name: p.name, kind: p.kind, kind_zh: KINDS.find((k) => k[0] === p.kind)[1], status: p.status, status_zh: STATUSES[p.status],
      total_investment: round(p.total, 2), plan_year: plan === null ? null : round(plan, 2), completed_year: round(yearDone, 2),
      plan_pct: plan === null ? null : round(pct(yearDone, plan), 1), cumulative: round(cumulative, 2), secured: round(p.secured, 2),
      gap: round(gap, 2), gap_ratio: pct(gap, p.total) === null ? null : round(pct(gap, p.total), 1),
    }
  })
  const totals = (rows, kind, kindZh) => {
    const t = { kind, kind_zh: kindZh, projects: rows.length, total_investment: 0, plan_year: 0, completed_year: 0, plan_pct: null, cumulative: 0, secured: 0, gap: 0, gap_ratio: null }
    for (const r of rows) {
      t.total_investment += r.total_investment
      t.plan_year += r.plan_year ?? 0
      t.completed_year += r.completed_year
      t.cumulative += r.cumulative
      t.secured += r.secured
      t.gap += r.gap
    }
    for (const k of ['total_investment', 'plan_year', 'completed_year', 'cumulative', 'secured', 'gap']) t[k] = round(t[k], 2)
    const pp = pct(t.completed_year, t.plan_year)
    const gr = pct(t.gap, t.total_investment)
    t.plan_pct = pp === null ? null : round(pp, 1)
    t.gap_ratio = gr === null ? null : round(gr, 1)
    return t
  }
  const by_kind = KINDS.filter(([k]) => out.some((p) => p.kind === k)).map(([k, zh]) => totals(out.filter((p) => p.kind === k), k, zh))
  const subsidies = year === beijingYear() || year === 2025 ? [['ministry', '交通运输部', 12000], ['province', '省交通运输厅', 8650.5]] : []
  return {
    year, through, projects: out, by_kind, total: totals(out, null, null),
    feasibility_approvals: 2, design_approvals: 1, subsidies, subsidies_total: round(subsidies.reduce((s, x) => s + x[2], 0), 2),
    sources: ['projects', 'project_plans', 'project_investments', 'project_funding', 'project_approvals', 'subsidies'],
  }
}

// ---- transport ----

const MODES = [['road', '公路'], ['waterway', '水路'], ['railway', '铁路']]
const MEASURES = [['passenger_volume', '客运量', '万人次'], ['passenger_km', '旅客周转量', '万人公里'], ['freight_volume', '货运量', '万吨'], ['tonne_km', '货物周转量', '万吨公里']]
/** Monthly rows by county and mode; railway only from the current year's previous year on (not this year: 未报送). */
function transportRows(year) {
  const rows = new Map() // `${month}|${county}|${mode}` → [4]
  for (const y of [year - 1, year]) {
    for (const m of months(y, 12)) {
      const mm = Number(m.slice(5))
      for (const c of [1, 2, 3]) {
        for (const [mode] of MODES) {
          if (mode === 'railway' && (y === year || c !== 2)) continue
          if (mode === 'waterway' && c === 2) continue
          const base = { road: [120, 9000, 260, 21000], waterway: [8, 640, 90, 15500], railway: [0, 0, 35, 4800] }[mode]
          const growth = y === year ? 1.06 : 1
          const season = 1 + ((mm % 4) - 1.5) / 20
          const v = base.map((b) => round(b * c * growth * season, 2))
          // A typo in the data: 阳春市 road passenger volume of March this year ×10, and a zero.
          if (y === year && mm === 3 && c === 2 && mode === 'road') v[0] = round(v[0] * 10, 2)
          if (y === year && mm === 5 && c === 3 && mode === 'waterway') v[2] = 0
          rows.set(`${m}|${c}|${mode}`, v)
        }
      }
    }
  }
  return rows
}

function figures(rows, mode, county, year, tm) {
  const cur = [0, 0, 0, 0], prev = [0, 0, 0, 0], month = [0, 0, 0, 0]
  let reported = false, hadPrev = false
  for (const [k, v] of rows) {
    const [m, c, md] = k.split('|')
    if (md !== mode || (county !== null && Number(c) !== county)) continue
    const y = Number(m.slice(0, 4)), mm = Number(m.slice(5))
    if (mm > tm) continue
    let target
    if (y === year) { reported = true; target = cur } else if (y === year - 1) { hadPrev = true; target = prev } else continue
    for (let i = 0; i < 4; i++) target[i] += v[i]
    if (y === year && mm === tm) for (let i = 0; i < 4; i++) month[i] += v[i]
  }
  return {
    mode, mode_zh: MODES.find((x) => x[0] === mode)[1], reported,
    measures: MEASURES.map(([key, zh, unit], i) => {
      const y = hadPrev && reported ? yoy(cur[i], prev[i]) : null
      return { key, zh, unit, cumulative: round(cur[i], 2), previous: round(prev[i], 2), yoy_pct: y === null ? null : round(y, 1), month: round(month[i], 2) }
    }),
  }
}

function transportSummary(year, through) {
  const tm = Number(through.slice(5))
  const rows = transportRows(year)
  const modes = MODES.map(([m]) => figures(rows, m, null, year, tm))
  const counties = []
  for (const c of [1, 2, 3]) for (const [m] of MODES) {
    const f = figures(rows, m, c, year, tm)
    if (f.reported) counties.push([c, COUNTIES[c], f])
  }
  const series = new Map()
  for (const [k, v] of rows) {
    const [m, , md] = k.split('|')
    const key = `${m}|${md}`
    const e = series.get(key) ?? [0, 0, 0, 0]
    for (let i = 0; i < 4; i++) e[i] += v[i]
    series.set(key, e)
  }
  const prevMonth = (m) => { const [y, mm] = m.split('-').map(Number); return mm === 1 ? `${y - 1}-12` : `${y}-${String(mm - 1).padStart(2, '0')}` }
  const lastYear = (m) => `${Number(m.slice(0, 4)) - 1}${m.slice(4)}`
  const flags = []
  for (const k of [...rows.keys()].sort()) {
    const [m, c, md] = k.split('|')
    if (!m.startsWith(`${year}-`) || m > through) continue
    const v = rows.get(k)
    const pm = rows.get(`${prevMonth(m)}|${c}|${md}`)
    const ly = rows.get(`${lastYear(m)}|${c}|${md}`)
    MEASURES.forEach(([key, zh], i) => {
      const a = pm?.[i], b = ly?.[i]
      const jump = (r) => r !== undefined && r > 0 && Math.abs((v[i] - r) / r) > 0.5
      let reason = null
      if (v[i] === 0 && a > 0 && b > 0) reason = `${zh}为 0，上月和去年同月均有数据`
      else if ((a !== undefined || b !== undefined) && (a === undefined || jump(a)) && (b === undefined || jump(b)) && v[i] > 0) reason = `${zh}较上月和去年同月变化均超过 50%`
      if (reason) flags.push({ month: m, county_id: Number(c), county: COUNTIES[c], mode: md, measure: key, value: v[i], previous_month: a ?? null, last_year: b ?? null, reason })
    })
  }
  // Port: cargo by month; last year only from July on (so early periods have no YoY).
  const CARGO = { coal: 310, metal_ore: 120, containers: 45.5, wind_power_equipment: 12 }
  let cur = 0, prev = 0, hadPrev = false
  const byCargo = {}
  for (const m of months(year, tm)) for (const [c, t] of Object.entries(CARGO)) { const v = t * (1 + (Number(m.slice(5)) % 3) / 10); cur += v; byCargo[c] = (byCargo[c] ?? 0) + v }
  for (const m of months(year - 1, tm)) if (Number(m.slice(5)) >= 7) for (const t of Object.values(CARGO)) { prev += t * 0.9; hadPrev = true }
  const py = hadPrev ? yoy(cur, prev) : null
  return {
    year, through, modes, counties,
    series: [...series.entries()].sort().map(([k, v]) => ({ month: k.split('|')[0], mode: k.split('|')[1], values: v.map((x) => round(x, 2)) })),
    port: { cumulative: round(cur, 2), previous: round(prev, 2), yoy_pct: py === null ? null : round(py, 1), reported: cur > 0, by_cargo: Object.entries(byCargo).sort().map(([c, t]) => [c, round(t, 2)]) },
    flags,
    sources: ['transport_stats', 'port_throughput'],
  }
}

// ---- pavement ----

const CLASSES = [['county', '县道'], ['township', '乡道'], ['village', '村道']]
/** Survey sections: [county, class, km, grade]; no 村道 surveys (its rate is none, not 0). */
function surveys(year) {
  const out = []
  let n = year
  for (const c of [1, 2, 3]) for (const cl of ['county', 'township']) for (let i = 0; i < 6; i++) {
    n = (n * 1103515245 + 12345) % 2147483648
    const grade = ['excellent', 'good', 'good', 'fair', 'poor', 'excellent'][(n >> 8) % 6]
    out.push([c, cl, round(1 + ((n >> 4) % 90) / 10, 2), grade])
  }
  return out
}
function pavementSummary(year) {
  const rows = surveys(year)
  const acc = (r, km, good) => { r.sections++; r.surveyed_km += km; if (good) r.good_km += km }
  const fin = (r) => { r.surveyed_km = round(r.surveyed_km, 2); r.good_km = round(r.good_km, 2); const p = pct(r.good_km, r.surveyed_km); r.rate = p === null ? null : round(p, 1); return r }
  const blank = (cl, c) => ({ class: cl, class_zh: cl ? CLASSES.find((x) => x[0] === cl)[1] : null, county_id: c, county: c === null ? null : COUNTIES[c], sections: 0, surveyed_km: 0, good_km: 0, rate: null })
  const byClass = new Map(), byCc = new Map(), total = blank(null, null)
  for (const [c, cl, km, grade] of rows) {
    const good = grade === 'excellent' || grade === 'good'
    if (!byClass.has(cl)) byClass.set(cl, blank(cl, null))
    acc(byClass.get(cl), km, good)
    const k = `${c}|${cl}`
    if (!byCc.has(k)) byCc.set(k, blank(cl, c))
    acc(byCc.get(k), km, good)
    acc(total, km, good)
  }
  const order = (cl) => CLASSES.findIndex((x) => x[0] === cl)
  return {
    year,
    by_class: [...byClass.values()].sort((a, b) => order(a.class) - order(b.class)).map(fin),
    by_county_class: [...byCc.values()].sort((a, b) => a.county_id - b.county_id || order(a.class) - order(b.class)).map(fin),
    total: fin(total),
    sources: ['pavement_surveys'],
  }
}

// ---- routes ----

export async function figuresApi({ path, method, url, user, send, fail }) {
  const m = /^\/figures\/(projects|transport|pavement)$/.exec(path)
  if (!m || method !== 'GET') return false
  if (user.enterprise_id) return fail(403, 'forbidden', '无权查看该统计')
  const allowed = m[1] === 'pavement' ? ['year'] : ['year', 'through']
  for (const k of url.searchParams.keys()) if (!allowed.includes(k)) return fail(400, 'bad_request', `unknown parameter: ${k}`)
  const ys = url.searchParams.get('year')
  const year = ys ? Number(ys) : beijingYear()
  if (!Number.isInteger(year) || year < 1990 || year > 2100) return fail(400, 'bad_request', `year: not a year: "${ys}"`)
  if (m[1] === 'pavement') return send(200, pavementSummary(year))
  const ts = url.searchParams.get('through')
  const through = ts || `${year}-12`
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(through)) return fail(400, 'bad_request', `month: expected YYYY-MM, got "${through}"`)
  if (!through.startsWith(`${year}-`)) return fail(400, 'bad_request', `through: ${through} is not in ${year}`)
  return send(200, m[1] === 'projects' ? projectsSummary(year, through) : transportSummary(year, through))
}
