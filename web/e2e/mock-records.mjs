// The registers API of docs/records-api.md for the mock backend: three registers (key
// projects, their annual plans, bus routes) with schema, list (q, filters, sort, cursor,
// total), get, create, update, delete (409 when referred to), options, template, export and
// an import that always rejects cells. Used by mock-server.mjs.

const code = (c, zh, en) => ({ code: c, zh, en })
const fld = (key, zh, en, kind, more = {}) => ({
  key, zh, en, kind, unit: null, required: false, list: false, filter: false, help: null,
  min: null, max: null, scale: null, max_len: null, codes: null, ref: null, ...more,
})
const AMOUNT = { min: 0, scale: 2 }
const KINDS = [code('railway', '铁路', 'Railway'), code('expressway', '高速公路', 'Expressway'), code('trunk_road', '国省干线公路', 'National/provincial trunk road'), code('port_berth', '港口码头', 'Port berth')]
const STATUSES = [code('preparing', '前期', 'Preparation'), code('building', '在建', 'Under construction'), code('completed', '完工', 'Completed')]

export const GROUPS = [
  { key: 'projects', zh: '重点项目与资金', en: 'Projects and funding' },
  { key: 'roads', zh: '农村公路与桥梁路面', en: 'Rural roads, bridges, pavement' },
  { key: 'port', zh: '港口航运', en: 'Port and shipping' },
  { key: 'stats', zh: '运输统计', en: 'Transport statistics' },
  { key: 'enforcement', zh: '执法检查', en: 'Enforcement' },
  { key: 'safety', zh: '安全生产', en: 'Safety' },
  { key: 'transit', zh: '公交与客运站', en: 'Transit and stations' },
  { key: 'services', zh: '政务服务与防疫', en: 'Services and epidemic work' },
  { key: 'worklog', zh: '大事记', en: 'Work log' },
]

const REGISTERS = [
  {
    key: 'projects', zh: '重点项目', en: 'Key projects', group: 'projects',
    about: '铁路、高速公路、国省道、港口码头等重点建设项目的基本信息与总投资。',
    title: 'name', access: 'bureau', access_field: null, order: { field: 'start_date', desc: true }, unique: [['code'], ['name']],
    fields: [
      fld('code', '项目编号', 'Code', 'text', { required: true, list: true, max_len: 100 }),
      fld('name', '项目名称', 'Name', 'text', { required: true, list: true, max_len: 100 }),
      fld('kind', '项目类别', 'Kind', 'code', { required: true, list: true, filter: true, codes: KINDS }),
      fld('county_id', '所在县区', 'County', 'region', { filter: true, list: true }),
      fld('scale', '建设规模', 'Scale', 'long_text', { max_len: 2000 }),
      fld('total_investment', '总投资', 'Total investment', 'num', { unit: '万元', required: true, list: true, filter: true, ...AMOUNT }),
      fld('start_date', '开工日期', 'Start', 'date', { list: true, filter: true }),
      fld('status', '建设状态', 'Status', 'code', { required: true, list: true, filter: true, codes: STATUSES }),
      fld('progress_note', '形象进度', 'Progress', 'long_text', { max_len: 2000, help: '简述当前形象进度' }),
    ],
  },
  {
    key: 'project_plans', zh: '项目年度计划', en: 'Annual investment plans', group: 'projects',
    about: '各项目每年的计划投资，用于计算年度计划完成率。',
    title: 'project_id', access: 'bureau', access_field: null, order: { field: 'year', desc: true }, unique: [['project_id', 'year']],
    fields: [
      fld('project_id', '项目', 'Project', 'ref', { required: true, list: true, filter: true, ref: 'projects' }),
      fld('year', '年度', 'Year', 'int', { required: true, list: true, filter: true, min: 1990, max: 2100 }),
      fld('planned_investment', '年度计划投资', 'Planned investment', 'num', { unit: '万元', required: true, list: true, ...AMOUNT }),
      fld('targets', '年度建设目标', 'Targets', 'long_text', { max_len: 2000 }),
    ],
  },
  {
    key: 'transport_stats', zh: '运输统计月报', en: 'Monthly transport statistics', group: 'stats',
    about: '各县区各运输方式的月度客货运量（工作总结的来源之一）。',
    title: 'month', access: 'bureau', access_field: null, order: { field: 'month', desc: true }, unique: [['month', 'mode']],
    fields: [
      fld('month', '月份', 'Month', 'month', { required: true, list: true, filter: true }),
      fld('mode', '运输方式', 'Mode', 'code', { required: true, list: true, filter: true, codes: [code('road', '公路', 'Road'), code('waterway', '水路', 'Waterway')] }),
      fld('passenger_volume', '客运量', 'Passengers', 'num', { unit: '万人次', list: true, min: 0, scale: 1 }),
      fld('freight_volume', '货运量', 'Freight', 'num', { unit: '万吨', list: true, min: 0, scale: 1 }),
    ],
  },
  {
    key: 'bus_routes', zh: '公交线路', en: 'Bus routes', group: 'transit',
    about: '城市与城乡公交线路。',
    title: 'name', access: 'public', access_field: null, order: { field: 'name', desc: false }, unique: [['name']],
    fields: [
      fld('name', '线路名称', 'Route', 'text', { required: true, list: true, max_len: 100 }),
      fld('opened', '开通月份', 'Opened', 'month', { list: true, filter: true }),
      fld('length_km', '线路长度', 'Length', 'num', { unit: 'km', list: true, min: 0, scale: 1 }),
      fld('stops', '站点数', 'Stops', 'int', { list: true, min: 0 }),
      fld('rural', '城乡线路', 'Rural', 'bool', { list: true, filter: true }),
      fld('enterprise_id', '运营企业', 'Operator', 'enterprise', { list: true, filter: true }),
    ],
  },
]

const now = () => new Date().toISOString()
let nextId = 1000
const rows = {
  projects: [
    { id: 1, code: 'XM-2025-001', name: '阳江港吉树作业区', kind: 'port_berth', county_id: 1, scale: '2 个 5 万吨级泊位', total_investment: 235000, start_date: '2025-03-01', status: 'building', progress_note: null },
    { id: 2, code: 'XM-2025-002', name: '阳信高速阳春段', kind: 'expressway', county_id: 2, scale: null, total_investment: 880000.5, start_date: '2024-10-18', status: 'building', progress_note: '路基完成 60%' },
    { id: 3, code: 'XM-2024-007', name: 'G325 江城改线', kind: 'trunk_road', county_id: 1, scale: null, total_investment: 56000, start_date: '2024-05-06', status: 'completed', progress_note: null },
  ],
  project_plans: [
    { id: 11, project_id: 1, year: 2025, planned_investment: 40000, targets: null },
    { id: 12, project_id: 2, year: 2025, planned_investment: 150000, targets: '完成路基' },
  ],
  transport_stats: [],
  bus_routes: [
    { id: 21, name: '1 路', opened: '2010-01', length_km: 18.5, stops: 32, rural: false, enterprise_id: 1 },
    { id: 22, name: '江城—阳春城乡快线', opened: '2022-07', length_km: 62, stops: 14, rural: true, enterprise_id: 1 },
  ],
}
for (const k of Object.keys(rows)) for (const r of rows[k]) Object.assign(r, { created_at: now(), updated_at: now() })

const regOf = (key) => REGISTERS.find((r) => r.key === key)
const visible = (reg, user) => reg.access !== 'bureau' || !user.enterprise_id
const writable = (reg, user) => !user.enterprise_id && user.permissions?.includes('registry.write')

function decorate(reg, row, db) {
  const d = {}
  for (const f of reg.fields) {
    const v = row[f.key]
    if (v === null || v === undefined) continue
    if (f.kind === 'code') d[f.key] = f.codes.find((c) => c.code === v)?.zh ?? v
    if (f.kind === 'region') d[f.key] = db.regions.find((r) => r.id === v)?.name ?? null
    if (f.kind === 'enterprise') d[f.key] = db.enterprises.find((e) => e.id === v)?.name ?? null
    if (f.kind === 'vehicle') d[f.key] = db.vehicles.find((e) => e.id === v)?.plate ?? null
    if (f.kind === 'ref') d[f.key] = title(regOf(f.ref), rows[f.ref].find((x) => x.id === v), db)
  }
  const out = { id: row.id }
  for (const f of reg.fields) out[f.key] = row[f.key] ?? null
  return { ...out, _display: d, created_at: row.created_at, updated_at: row.updated_at }
}

function title(reg, row, db) {
  if (!row) return null
  const f = reg.fields.find((x) => x.key === reg.title)
  return f.kind === 'ref' ? decorate(reg, row, db)._display[f.key] : String(row[f.key] ?? row.id)
}

function validate(reg, body, id) {
  const errs = []
  const clean = {}
  for (const f of reg.fields) {
    let v = body[f.key]
    if (v === '' || v === undefined) v = null
    if (v === null) {
      if (f.required && f.kind !== 'bool') errs.push({ field: f.key, message: `${f.zh}不能为空` })
      clean[f.key] = null
      continue
    }
    if ((f.kind === 'int' || f.kind === 'num') && typeof v !== 'number') errs.push({ field: f.key, message: `${f.zh}应为数字` })
    else if (f.kind === 'int' && !Number.isInteger(v)) errs.push({ field: f.key, message: `${f.zh}应为整数` })
    else if ((f.kind === 'int' || f.kind === 'num') && f.min !== null && v < f.min) errs.push({ field: f.key, message: `${f.zh}不能小于 ${f.min}` })
    else if ((f.kind === 'int' || f.kind === 'num') && f.max !== null && v > f.max) errs.push({ field: f.key, message: `${f.zh}不能大于 ${f.max}` })
    else if (f.kind === 'code' && !f.codes.some((c) => c.code === v)) errs.push({ field: f.key, message: `${f.zh}不是有效的代码` })
    else if (f.kind === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) errs.push({ field: f.key, message: `${f.zh}应为 YYYY-MM-DD` })
    else if (f.kind === 'month' && !/^\d{4}-\d{2}$/.test(v)) errs.push({ field: f.key, message: `${f.zh}应为 YYYY-MM` })
    else if (f.kind === 'ref' && !rows[f.ref].some((x) => x.id === v)) errs.push({ field: f.key, message: `${f.zh}不存在` })
    if (f.kind === 'num' && typeof v === 'number') v = Number(v.toFixed(f.scale ?? 2))
    clean[f.key] = v
  }
  if (!errs.length) {
    for (const key of reg.unique) {
      if (rows[reg.key].some((x) => x.id !== id && key.every((k) => x[k] === clean[k]))) {
        errs.push({ field: key[0], message: `与已有记录重复（${key.map((k) => reg.fields.find((f) => f.key === k).zh).join('+')}）` })
        break
      }
    }
  }
  return { errs, clean }
}

function matches(reg, row, url, db) {
  const p = url.searchParams
  const q = (p.get('q') || '').trim().toLowerCase()
  if (q && !reg.fields.some((f) => (f.kind === 'text' || f.kind === 'long_text') && String(row[f.key] ?? '').toLowerCase().includes(q))) return false
  for (const f of reg.fields.filter((x) => x.filter)) {
    const eq = p.get(f.key)
    if (eq !== null && eq !== '' && String(row[f.key]) !== eq) return false
    const from = p.get(`${f.key}_from`)
    const to = p.get(`${f.key}_to`)
    const num = f.kind === 'int' || f.kind === 'num'
    const v = row[f.key]
    if (from && (v === null || (num ? v < Number(from) : String(v) < from))) return false
    if (to && (v === null || (num ? v > Number(to) : String(v) > to))) return false
  }
  void db
  return true
}

function checkParams(reg, url) {
  const known = new Set(['q', 'limit', 'cursor', 'sort', 'format'])
  for (const f of reg.fields.filter((x) => x.filter)) {
    known.add(f.key)
    if (['date', 'month', 'int', 'num'].includes(f.kind)) {
      known.add(`${f.key}_from`)
      known.add(`${f.key}_to`)
    }
  }
  for (const k of url.searchParams.keys()) if (!known.has(k)) return k
  const s = (url.searchParams.get('sort') || '').replace(/^-/, '')
  if (s && !reg.fields.some((f) => f.key === s)) return 'sort'
  return null
}

function sorted(reg, items, url) {
  let s = url.searchParams.get('sort') || (reg.order.desc ? '-' : '') + reg.order.field
  const desc = s.startsWith('-')
  s = s.replace(/^-/, '')
  return [...items].sort((a, b) => {
    const x = a[s]
    const y = b[s]
    if (x === y) return a.id - b.id
    if (x === null || x === undefined) return 1
    if (y === null || y === undefined) return -1
    return (x < y ? -1 : 1) * (desc ? -1 : 1)
  })
}

/** Handles `/records/...`; returns false when the path is not a records route. */
export async function recordsApi({ path, method, url, user, db, readBody, readRaw, send, fail, res }) {
  if (!path.startsWith('/records')) return false
  if (path === '/records/schema' && method === 'GET') {
    const regs = REGISTERS.filter((r) => visible(r, user)).map((r) => ({ ...r, writable: writable(r, user) }))
    return send(200, { groups: GROUPS, registers: regs })
  }
  let m = /^\/records\/schema\/([a-z_]+)$/.exec(path)
  if (m) {
    const reg = regOf(m[1])
    if (!reg) return fail(404, 'not_found', `未知台账 ${m[1]}`)
    if (!visible(reg, user)) return fail(403, 'forbidden', '无权查看该台账')
    return send(200, { ...reg, writable: writable(reg, user) })
  }
  m = /^\/records\/([a-z_]+)(?:\/(\d+|options|template|export|import))?$/.exec(path)
  if (!m) return fail(404, 'not_found', `no route ${method} ${path}`)
  const reg = regOf(m[1])
  if (!reg) return fail(404, 'not_found', `未知台账 ${m[1]}`)
  if (!visible(reg, user)) return fail(403, 'forbidden', '无权查看该台账')
  const sub = m[2]
  const all = rows[reg.key]
  const isWrite = method !== 'GET'
  if (isWrite && !writable(reg, user)) return fail(403, 'forbidden', '无权修改该台账')

  if (sub === 'options' && method === 'GET') {
    const q = (url.searchParams.get('q') || '').toLowerCase()
    const items = all.map((r) => ({ id: r.id, label: title(reg, r, db) })).filter((o) => !q || o.label.toLowerCase().includes(q))
    return send(200, { items: items.slice(0, 50) })
  }
  if ((sub === 'template' || sub === 'export') && method === 'GET') {
    const bad = sub === 'export' ? checkParams(reg, url) : null
    if (bad) return fail(400, 'bad_request', `参数 ${bad} 无效`)
    const csv = url.searchParams.get('format') === 'csv' && sub === 'export'
    const name = `${reg.zh}${sub === 'template' ? '-模板' : ''}.${csv ? 'csv' : 'xlsx'}`
    res.writeHead(200, {
      'Content-Type': csv ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'Content-Disposition': `attachment; filename="${reg.key}.${csv ? 'csv' : 'xlsx'}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    })
    return res.end(csv ? 'mock csv\n' : Buffer.from('PK mock'))
  }
  if (sub === 'import' && method === 'POST') {
    await readRaw()
    const f = reg.fields.find((x) => x.kind === 'num' || x.kind === 'int') ?? reg.fields[0]
    return fail(422, 'import_invalid', '导入失败：表格有误', {
      errors: [
        { row: 3, column: 'A', header: `${reg.fields[0].zh}${reg.fields[0].required ? '*' : ''}`, reason: '不能为空' },
        { row: 5, column: 'F', header: `${f.zh}${f.unit ? `（${f.unit}）` : ''}${f.required ? '*' : ''}`, reason: '"abc" 不是数字' },
      ],
    })
  }
  if (!sub && method === 'GET') {
    const bad = checkParams(reg, url)
    if (bad) return fail(400, 'bad_request', `参数 ${bad} 无效`)
    const items = sorted(reg, all.filter((r) => matches(reg, r, url, db)), url).map((r) => decorate(reg, r, db))
    const limit = Math.min(Number(url.searchParams.get('limit') || 50), 500)
    const start = Number(url.searchParams.get('cursor') || 0)
    return send(200, { items: items.slice(start, start + limit), next_cursor: start + limit < items.length ? String(start + limit) : null, total: items.length })
  }
  if (!sub && method === 'POST') {
    const { errs, clean } = validate(reg, await readBody(), null)
    if (errs.length) return fail(422, 'validation_failed', '数据校验失败', { fields: errs })
    const row = { ...clean, id: ++nextId, created_at: now(), updated_at: now() }
    all.push(row)
    return send(201, decorate(reg, row, db))
  }
  const id = Number(sub)
  const row = all.find((x) => x.id === id)
  if (!row) return fail(404, 'not_found', '记录不存在')
  if (method === 'GET') return send(200, decorate(reg, row, db))
  if (method === 'PUT') {
    const { errs, clean } = validate(reg, await readBody(), id)
    if (errs.length) return fail(422, 'validation_failed', '数据校验失败', { fields: errs })
    Object.assign(row, clean, { updated_at: now() })
    return send(200, decorate(reg, row, db))
  }
  if (method === 'DELETE') {
    for (const other of REGISTERS) {
      for (const f of other.fields) {
        if (f.kind === 'ref' && f.ref === reg.key && rows[other.key].some((x) => x[f.key] === id)) {
          return fail(409, 'in_use', `「${other.zh}」中仍有记录引用该行`)
        }
      }
    }
    rows[reg.key] = all.filter((x) => x.id !== id)
    return send(204)
  }
  return fail(405, 'method_not_allowed', method)
}
