// The alarm part of the stand-in backend (docs/alarms-api.md): a few generated alarms with
// tracks, the handling workflow (a text is "answered" by an imaginary terminal; plate 粤Q0FF11
// is offline), statistics, notifications, cases, rule settings and geofences. In memory only.
const now = () => new Date().toISOString()
const RULES = ['speeding', 'fatigue', 'terminal_0', 'offline', 'night_ban', 'signal_shielding', 'daily_driving', 'forbidden_1', 'drift', 'terminal_7']
const PLATES = [['粤Q3A218', 2], ['粤Q8K602', 2], ['粤Q0FF11', 1], ['粤QD1234', 5], ['粤Q77Z09', 2]]
const SEV = { speeding: 'warning', fatigue: 'serious', terminal_0: 'serious', offline: 'info', night_ban: 'serious', signal_shielding: 'serious', daily_driving: 'warning', forbidden_1: 'serious', drift: 'info', terminal_7: 'info' }

function seed() {
  const alarms = []
  const t0 = Date.now()
  for (let i = 0; i < 36; i++) {
    const rule = RULES[i % RULES.length]
    const [plate, color] = PLATES[i % PLATES.length]
    const start = t0 - i * 3.3 * 3600_000 - 600_000
    const open = i % 7 === 0
    const end = open ? null : start + (5 + (i % 9) * 7) * 60_000
    const peak = rule === 'speeding' ? 88 + (i % 5) * 6 : rule === 'drift' ? 240 : ['fatigue', 'daily_driving'].includes(rule) ? 300 + i * 120 : rule === 'offline' ? 1500 + i * 60 : 0
    const limit = rule === 'speeding' ? 80 : rule === 'drift' ? 160 : rule === 'fatigue' ? 14400 : rule === 'daily_driving' ? 28800 : rule === 'offline' ? 1200 : 0
    const state = i < 12 ? 'new' : i < 16 ? 'handled' : i < 19 ? 'escalated' : 'closed'
    const deadline = state === 'escalated' ? new Date(t0 + (i === 17 ? -3600_000 : 86400_000)).toISOString() : null
    alarms.push({
      id: 1000 + i, vehicle_id: 10 + (i % 5), plate, plate_color: color, enterprise_id: (i % 5) < 3 ? 1 : 2,
      enterprise_name: (i % 5) < 3 ? '阳江市运输集团有限公司' : '阳春危化物流有限公司', vehicle_type: (i % 5) < 3 ? 'coach' : 'hazmat',
      rule, severity: SEV[rule], start_at: new Date(start).toISOString(), end_at: end ? new Date(end).toISOString() : null, open,
      peak, limit, detail: rule === 'forbidden_1' ? '江城区学校周边禁行区' : '', state, deadline, overdue: !!deadline && Date.parse(deadline) < t0,
      case_id: null, lat: 21.85 + (i % 6) * 0.01, lon: 111.95 + (i % 4) * 0.015, speed_kmh: rule === 'speeding' ? peak : 40,
      handled_at: state === 'new' ? null : new Date(start + 900_000).toISOString(), measure: state === 'new' ? null : 'phone_call',
      actions: [{ id: i * 10 + 1, at: new Date(start).toISOString(), actor_name: '', action: 'opened', measure: null, note: null, text: null, terminal_result: null, deadline: null }],
    })
  }
  return alarms
}

const db = {
  alarms: seed(),
  cases: [],
  settings: {
    night_start_min: 1320, night_end_min: 360, ban_start_min: 120, ban_end_min: 300,
    default_class: { speed_limit_kmh: 100, passenger: false, night_speed_factor: 0.8, speeding_min_secs: 30, speeding_merge_secs: 60, moving_kmh: 5, fatigue_day_secs: 14400, fatigue_night_secs: 7200, min_rest_secs: 1200, daily_driving_secs: 28800, weekly_driving_secs: 158400, max_driving_step_secs: 300, night_ban: false, offline_secs: 1200, shielding_gap_secs: 300, drift_kmh: 160, drift_jump_m: 20000, drift_jump_window_secs: 60, tamper_ahead_secs: 600, tamper_behind_secs: 3600, frozen_repeats: 5, route_tolerance_m: 50, route_tolerance_secs: 60 },
    classes: {},
  },
  fences: [
    { id: 1, name: '江城区学校周边禁行区', enabled: true, shape: { type: 'circle', lat: 21.862, lon: 111.975, radius_m: 800 }, kind: { type: 'forbidden' }, vehicle_ids: [], classes: ['hazmat'], active_from_min: 420, active_to_min: 1080 },
    { id: 2, name: '危货专用线路 G325', enabled: true, shape: { type: 'corridor', points: [[21.83, 111.90], [21.85, 111.95], [21.87, 112.02]], half_width_m: 120 }, kind: { type: 'route_deviation' }, vehicle_ids: [], classes: ['hazmat'], active_from_min: null, active_to_min: null },
  ],
}
db.settings.classes.coach = { ...db.settings.default_class, passenger: true, night_ban: true }
db.settings.classes.hazmat = { ...db.settings.default_class, speed_limit_kmh: 80 }
let nextAction = 10_000

const item = ({ actions: _a, ...a }) => ({ ...a, overdue: a.state === 'escalated' && !!a.deadline && Date.parse(a.deadline) < Date.now() })
const detail = (a) => ({ ...item(a), actions: a.actions, fence_name: a.rule.startsWith('forbidden_') ? '江城区学校周边禁行区' : null })
const visible = (user, a) => !user.enterprise_id || user.enterprise_id === a.enterprise_id
function act(user, a, action, extra = {}) {
  a.actions.push({ id: ++nextAction, at: now(), actor_name: user.display_name, action, measure: null, note: null, text: null, terminal_result: null, deadline: null, ...extra })
}

function evidence(a) {
  const start = Date.parse(a.start_at)
  const end = a.end_at ? Date.parse(a.end_at) : Date.now()
  const from = start - 300_000
  const to = Math.min(Date.now(), end + 300_000)
  const points = []
  let lat = a.lat - 0.02
  let lon = a.lon - 0.03
  for (let t = from, k = 0; t <= to; t += 15_000, k++) {
    const inAlarm = t >= start && t <= end
    const v = inAlarm && a.rule === 'speeding' ? a.peak - (k % 4) : 25 + ((k * 7) % 60)
    lat += 0.00035 + Math.sin(k / 9) * 0.0002
    lon += 0.0005 + Math.cos(k / 13) * 0.0002
    points.push({ t: new Date(t).toISOString(), lat, lon, speed_kmh: v, direction: 45, valid: k % 23 !== 5, in_alarm: inAlarm })
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), points: points.slice(0, 5000) }
}

function filterAlarms(user, url) {
  const q = (k) => url.searchParams.get(k) || ''
  let xs = db.alarms.filter((a) => visible(user, a))
  if (q('from')) xs = xs.filter((a) => a.start_at >= q('from'))
  if (q('to')) xs = xs.filter((a) => a.start_at <= q('to'))
  if (q('enterprise_id')) xs = xs.filter((a) => String(a.enterprise_id) === q('enterprise_id'))
  if (q('plate')) xs = xs.filter((a) => a.plate.includes(q('plate')))
  if (q('rule')) xs = xs.filter((a) => a.rule === q('rule') || a.rule.startsWith(q('rule') + '_'))
  if (q('state')) xs = xs.filter((a) => a.state === q('state'))
  if (q('severity')) xs = xs.filter((a) => a.severity === q('severity'))
  if (q('overdue') === 'true') xs = xs.filter((a) => item(a).overdue)
  if (q('open') === 'true') xs = xs.filter((a) => a.open)
  return xs.sort((a, b) => (a.start_at < b.start_at ? 1 : -1))
}

function page(items, url) {
  const limit = Math.min(Number(url.searchParams.get('limit') || 50), 500)
  const start = Number(url.searchParams.get('cursor') || 0)
  return { items: items.slice(start, start + limit), next_cursor: start + limit < items.length ? start + limit : null, total: items.length }
}

/** Handles the alarm routes; returns false when the path is not one of them. */
export async function alarmsApi({ path, method, url, user, body, send, fail }) {
  const can = (p) => (user.permissions ?? []).includes(p)
  if (path === '/alarms' && method === 'GET') return send(200, { ...page(filterAlarms(user, url).map(item), url) })
  if (path === '/alarms/stats') {
    const xs = filterAlarms(user, url)
    const count = (f) => Object.entries(xs.reduce((m, a) => ((m[f(a)] = (m[f(a)] || 0) + 1), m), {}))
    const byHour = Array(24).fill(0)
    for (const a of xs) byHour[(new Date(a.start_at).getUTCHours() + 8) % 24]++
    const ents = {}
    for (const a of xs) {
      const e = (ents[a.enterprise_id] ??= { enterprise_id: a.enterprise_id, enterprise_name: a.enterprise_name, count: 0, open: 0 })
      e.count++
      if (a.state !== 'closed') e.open++
    }
    return send(200, {
      total: xs.length,
      by_rule: count((a) => a.rule).map(([rule, count]) => ({ rule, count })),
      by_state: count((a) => a.state).map(([state, count]) => ({ state, count })),
      by_enterprise: Object.values(ents),
      by_hour: byHour,
      by_day: count((a) => new Date(Date.parse(a.start_at) + 8 * 3600_000).toISOString().slice(0, 10)).map(([day, count]) => ({ day, count })),
    })
  }
  if (path === '/alarms/notifications') {
    const xs = db.alarms.filter((a) => visible(user, a)).map(item)
    const latest = xs.filter((a) => (can('alarm.handle') && ['new', 'escalated'].includes(a.state)) || (can('alarm.supervise') && a.state === 'handled'))
    return send(200, {
      to_handle: xs.filter((a) => ['new', 'escalated'].includes(a.state)).length,
      to_review: xs.filter((a) => a.state === 'handled').length,
      escalated: xs.filter((a) => a.state === 'escalated').length,
      overdue: xs.filter((a) => a.overdue).length,
      latest: latest.slice(0, 10),
    })
  }
  let m = /^\/alarms\/(\d+)(?:\/(evidence|handle|review|escalate|close|case))?$/.exec(path)
  if (m) {
    const a = db.alarms.find((x) => x.id === Number(m[1]))
    if (!a || !visible(user, a)) return fail(404, 'not_found', `告警 ${m[1]} 不存在`)
    const op = m[2]
    if (!op) return send(200, detail(a))
    if (op === 'evidence') return send(200, evidence(a))
    const b = body ?? {}
    if (op === 'handle') {
      if (!can('alarm.handle')) return fail(403, 'forbidden', '无权处置')
      if (!['new', 'escalated'].includes(a.state)) return fail(409, 'conflict', `告警状态为 ${a.state}，不能处置`)
      if (b.measure === 'false_alarm' && !String(b.note || '').trim()) return fail(422, 'validation_failed', 'note: a reason is required', { fields: [{ field: 'note', message: 'a reason is required' }] })
      if (b.measure === 'text_to_driver') {
        if (a.plate === '粤Q0FF11') {
          act(user, a, 'text_failed', { measure: b.measure, text: b.text, terminal_result: 'offline' })
          return fail(409, 'terminal_unavailable', 'the terminal is not online')
        }
        await new Promise((r) => setTimeout(r, 600))
        act(user, a, 'text_sent', { measure: b.measure, text: b.text, terminal_result: 'accepted' })
      }
      act(user, a, 'handle', { measure: b.measure, note: b.note || null })
      Object.assign(a, { state: 'handled', measure: b.measure, handled_at: now(), deadline: null })
      return send(200, detail(a))
    }
    if (!can('alarm.supervise')) return fail(403, 'forbidden', '无权操作')
    if (op === 'review') {
      if (a.state !== 'handled') return fail(409, 'conflict', '只有已处理的告警可以审核')
      act(user, a, b.approve ? 'review_approve' : 'review_reject', { note: b.note || null })
      a.state = b.approve ? 'closed' : 'new'
      return send(200, detail(a))
    }
    if (op === 'escalate') {
      if (!b.deadline || Date.parse(b.deadline) <= Date.now()) return fail(422, 'validation_failed', 'deadline: must be in the future', { fields: [{ field: 'deadline', message: 'must be in the future' }] })
      act(user, a, 'escalate', { note: b.note || null, deadline: b.deadline })
      Object.assign(a, { state: 'escalated', deadline: b.deadline })
      return send(200, detail(a))
    }
    if (op === 'close') {
      act(user, a, 'close', { note: b.note || null })
      a.state = 'closed'
      return send(200, detail(a))
    }
    if (op === 'case') {
      if (a.case_id) return fail(409, 'conflict', '该告警已立案')
      const c = { id: db.cases.length + 1, case_no: `阳交运案〔2026〕${String(db.cases.length + 1).padStart(4, '0')}号`, case_type: '道路运政', violation: a.rule === 'speeding' ? '超速' : a.rule === 'signal_shielding' ? '屏蔽信号' : '其他', vehicle_id: a.vehicle_id, plate: a.plate, enterprise_id: a.enterprise_id, enterprise_name: a.enterprise_name, alarm_id: a.id, opened_at: now(), status: 'open', summary: b.summary || `${a.plate} ${a.rule}`, created_by: user.display_name }
      db.cases.unshift(c)
      a.case_id = c.id
      act(user, a, 'case', { note: c.case_no })
      return send(201, c)
    }
  }
  if (path === '/cases') return send(200, page(db.cases.filter((c) => !user.enterprise_id || c.enterprise_id === user.enterprise_id), url))
  if (path === '/rules/settings' && method === 'GET') return send(200, db.settings)
  if (path === '/rules/settings' && method === 'PUT') {
    const fields = []
    if (!(body.default_class?.speed_limit_kmh > 0)) fields.push({ field: 'default_class.speed_limit_kmh', message: 'must be positive' })
    for (const [k, c] of Object.entries(body.classes ?? {})) if (!(c.speed_limit_kmh > 0)) fields.push({ field: `classes.${k}.speed_limit_kmh`, message: 'must be positive' })
    if (fields.length) return fail(422, 'validation_failed', fields[0].field + ': ' + fields[0].message, { fields })
    db.settings = body
    return send(200, db.settings)
  }
  if (path === '/geofences' && method === 'GET') return send(200, { items: db.fences })
  if (path === '/geofences' && method === 'POST') {
    const f = { ...body, id: Math.max(0, ...db.fences.map((x) => x.id)) + 1 }
    db.fences.push(f)
    return send(201, f)
  }
  m = /^\/geofences\/(\d+)$/.exec(path)
  if (m && method === 'PUT') {
    const i = db.fences.findIndex((x) => x.id === Number(m[1]))
    if (i < 0) return fail(404, 'not_found', 'no such geofence')
    db.fences[i] = { ...body, id: Number(m[1]) }
    return send(200, db.fences[i])
  }
  if (m && method === 'DELETE') {
    db.fences = db.fences.filter((x) => x.id !== Number(m[1]))
    return send(204)
  }
  return false
}
