#!/usr/bin/env node
// A stand-in for the Tongtu backend, for trying the console and the browser tests without the
// Rust server: serves dist/ like the binary does (index.html at `/`, files under `/assets/`)
// and a small in-memory /api/v1 that follows docs/API.md. Not used by the build.
//
//   npm run build && PORT=18080 node e2e/mock-server.mjs     (user admin / admin12345)
import http from 'node:http'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { alarmsApi } from './mock-alarms.mjs'
import { feedTick, liveApi, wsFrame } from './mock-live.mjs'
import { recordsApi } from './mock-records.mjs'
import { figuresApi } from './mock-figures.mjs'
import { reportApi } from './mock-report.mjs'

const PORT = Number(process.env.PORT || 18080)
// DIST=/tmp/some-build serves another build (e.g. `vite build --outDir /tmp/...`).
const DIST = process.env.DIST ? join(process.env.DIST, '/') : fileURLToPath(new URL('../dist/', import.meta.url))
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }

const dict = (rows) => rows.map(([code, zh, en]) => ({ code, zh, en }))
const META = {
  vehicle_classes: dict([['coach', '班线客车', 'Coach'], ['charter_bus', '旅游包车', 'Charter bus'], ['hazmat', '危险货物运输车', 'Hazmat'], ['heavy_truck', '重型载货汽车', 'Heavy truck'], ['tractor', '半挂牵引车', 'Tractor'], ['truck', '普通货车', 'Truck'], ['taxi', '出租汽车', 'Taxi'], ['bus', '公交车', 'Bus']]),
  business_types: dict([['scheduled_passenger', '班线客运', 'Scheduled passenger'], ['charter', '旅游包车', 'Charter'], ['hazmat', '危险货物运输', 'Hazardous goods'], ['general_freight', '普通货运', 'General freight'], ['taxi', '出租客运', 'Taxi'], ['bus', '公交客运', 'Bus']]),
  plate_colors: dict([[1, '蓝', 'Blue'], [2, '黄', 'Yellow'], [3, '黑', 'Black'], [4, '白', 'White'], [5, '绿', 'Green'], [9, '其他', 'Other']]),
  vehicle_statuses: dict([['active', '营运', 'In service'], ['suspended', '停运', 'Suspended'], ['scrapped', '报废', 'Scrapped']]),
  roles: dict([['bureau_admin', '局管理员', 'Bureau admin'], ['bureau_supervisor', '局监管人员', 'Bureau supervisor'], ['enterprise_officer', '企业安全员', 'Enterprise officer'], ['viewer', '只读用户', 'Viewer']]),
  protocol_versions: dict([['2011', 'JT/T 808-2011', 'JT/T 808-2011'], ['2013', 'JT/T 808-2013', 'JT/T 808-2013'], ['2019', 'JT/T 808-2019', 'JT/T 808-2019']]),
}
const now = () => new Date().toISOString()
const ADMIN = { id: 1, username: 'admin', display_name: '系统管理员', role: 'bureau_admin', enterprise_id: null, enterprise_name: null, permissions: ['registry.read', 'registry.write', 'pii.read', 'audit.read', 'users.manage', 'alarm.read', 'alarm.handle', 'alarm.supervise', 'rules.manage'] }
const OFFICER = { id: 2, username: 'officer', display_name: '企业安全员', role: 'enterprise_officer', enterprise_id: 1, enterprise_name: '阳江市运输集团有限公司', permissions: ['registry.read', 'registry.write', 'alarm.read', 'alarm.handle'] }
const db = {
  regions: [{ id: 1, code: '441702', name: '江城区', kind: 'district' }, { id: 2, code: '441781', name: '阳春市', kind: 'county' }],
  enterprises: [
    { id: 1, name: '阳江市运输集团有限公司', uscc: '91441700MA4UJ8XK0A', business_types: ['scheduled_passenger', 'charter'], licence_no: '粤交运管许可阳字441700000001号', region_id: 1, contact_name: '陈工', contact_phone: '0662-3333333', address: '江城区东风二路 1 号', created_at: now(), updated_at: now() },
    { id: 2, name: '阳春危化物流有限公司', uscc: '91441781MA4UK12345', business_types: ['hazmat'], licence_no: null, region_id: 2, contact_name: null, contact_phone: null, address: null, created_at: now(), updated_at: now() },
  ],
  vehicles: [],
  drivers: [{ id: 1, name: '李四', id_number: '441702199001011234', phone: '13800000000', qualification_cert_no: 'QC001', enterprise_id: 1, vehicle_id: null, created_at: now(), updated_at: now() }],
  terminals: [],
  users: [{ ...ADMIN, disabled: false }, { ...OFFICER, disabled: false }],
  tokens: [],
  audit: [],
}
const sessions = new Map()
const failures = new Map()
let nextId = 100

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
  res.end(body === undefined ? '' : JSON.stringify(body))
}
const fail = (res, status, code, message, details, headers) => send(res, status, { error: { code, message, details: details ?? null } }, headers)

function decorate(col, it) {
  const ent = (id) => db.enterprises.find((e) => e.id === id)
  const veh = (id) => db.vehicles.find((v) => v.id === id)
  if (col === 'enterprises') return { ...it, region_name: db.regions.find((r) => r.id === it.region_id)?.name ?? null, vehicle_count: db.vehicles.filter((v) => v.enterprise_id === it.id).length }
  if (col === 'vehicles') return { ...it, enterprise_name: ent(it.enterprise_id)?.name ?? null, terminal_phone: db.terminals.find((t) => t.vehicle_id === it.id)?.phone ?? null }
  if (col === 'drivers') return { ...it, id_number: it.id_number.slice(0, 6) + '********' + it.id_number.slice(-4), enterprise_name: ent(it.enterprise_id)?.name ?? null, plate: veh(it.vehicle_id)?.plate ?? null }
  if (col === 'terminals') return { ...it, plate: veh(it.vehicle_id)?.plate ?? null }
  return it
}

const REQUIRED = { enterprises: ['name', 'uscc', 'business_types'], vehicles: ['plate', 'plate_color', 'vin', 'vehicle_class', 'enterprise_id', 'status'], drivers: ['name', 'id_number', 'enterprise_id'], terminals: ['phone', 'terminal_id', 'protocol_version'] }
const UNIQUE = { enterprises: 'uscc', vehicles: 'plate', drivers: 'id_number', terminals: 'phone' }

function validate(col, body, id) {
  const fields = []
  for (const f of REQUIRED[col]) if (body[f] === null || body[f] === undefined || body[f] === '' || (Array.isArray(body[f]) && !body[f].length)) fields.push({ field: f, message: `${f} 不能为空` })
  if (col === 'vehicles' && body.vin && String(body.vin).length !== 17) fields.push({ field: 'vin', message: '车架号应为 17 位' })
  if (fields.length) return { status: 422, fields }
  const key = UNIQUE[col]
  if (db[col].some((x) => x.id !== id && x[key] === body[key])) return { status: 409, message: `${key} ${body[key]} 已存在` }
  return null
}

async function readBody(req) {
  const chunks = []
  for await (const c of req) chunks.push(c)
  const s = Buffer.concat(chunks).toString('utf8')
  try {
    return s ? JSON.parse(s) : {}
  } catch {
    return s
  }
}

function list(res, items, url) {
  const limit = Math.min(Number(url.searchParams.get('limit') || 50), 500)
  const start = Number(url.searchParams.get('cursor') || 0)
  const page = items.slice(start, start + limit)
  send(res, 200, { items: page, next_cursor: start + limit < items.length ? String(start + limit) : null, total: items.length })
}

function audit(user, action, entity, entity_id, before, after) {
  db.audit.unshift({ id: db.audit.length + 1, at: now(), actor_id: user.id, actor_name: user.display_name, action, entity, entity_id, summary: `${action} ${entity} ${entity_id}`, before, after })
}

async function api(req, res, url) {
  const path = url.pathname.replace(/^\/api\/v1/, '')
  const method = req.method
  const cookie = /tongtu_session=([^;]+)/.exec(req.headers.cookie || '')?.[1]
  const user = cookie ? sessions.get(cookie) : undefined

  if (path === '/auth/login' && method === 'POST') {
    const b = await readBody(req)
    const n = failures.get(b.username) || 0
    if (n >= 5) return fail(res, 429, 'too_many_attempts', '尝试次数过多', null, { 'Retry-After': '30' })
    const u = db.users.find((x) => x.username === b.username)
    if (!u || b.password !== (u.password ?? 'admin12345') || u.disabled) {
      failures.set(b.username, n + 1)
      return fail(res, 401, 'invalid_credentials', '用户名或密码错误')
    }
    const sid = Math.random().toString(36).slice(2)
    sessions.set(sid, u)
    return send(res, 200, { user: { ...ADMIN, ...u, permissions: u.permissions ?? ADMIN.permissions } }, { 'Set-Cookie': `tongtu_session=${sid}; HttpOnly; SameSite=Strict; Path=/` })
  }
  if (!user) return fail(res, 401, 'unauthenticated', '未登录')
  if (method !== 'GET' && req.headers['x-requested-with'] !== 'XMLHttpRequest') return fail(res, 403, 'csrf_header_missing', '缺少 X-Requested-With 头')
  if (path === '/auth/me') return send(res, 200, { user })
  if (path === '/auth/logout') {
    sessions.delete(cookie)
    return send(res, 204)
  }
  if (path === '/meta') return send(res, 200, META)
  if (/^\/(alarms|cases|rules|geofences)(\/|$)/.test(path)) {
    const body = method === 'GET' ? undefined : await readBody(req)
    const done = await alarmsApi({
      path,
      method,
      url,
      user,
      body,
      send: (status, b) => send(res, status, b),
      fail: (status, code, message, details) => fail(res, status, code, message, details),
    })
    if (done !== false) return
  }
  if (/^\/(live\/vehicles|map\/basemap|vehicles\/\d+\/track)$/.test(path)) {
    const done = await liveApi({ path, url, user, res, send: (status, b) => send(res, status, b), fail: (status, code, message) => fail(res, status, code, message) })
    if (done !== false) return
  }
  if (path.startsWith('/figures/')) {
    const done = await figuresApi({ path, method, url, user, send: (status, b) => send(res, status, b), fail: (status, code, message) => fail(res, status, code, message) })
    if (done !== false) return
  }
  if (path.startsWith('/report/')) {
    const done = await reportApi({ path, method, url, user, res, send: (status, b) => send(res, status, b), fail: (status, code, message, details) => fail(res, status, code, message, details) })
    if (done !== false) return
  }
  if (path.startsWith('/records')) {
    return recordsApi({
      path,
      method,
      url,
      user,
      db,
      res,
      readBody: () => readBody(req),
      readRaw: async () => {
        for await (const _c of req);
      },
      send: (status, b) => send(res, status, b),
      fail: (status, code, message, details) => fail(res, status, code, message, details),
    })
  }
  if (path === '/regions') return list(res, db.regions, url)
  if (path === '/audit') return list(res, db.audit, url)
  if (path === '/tokens' && method === 'GET') return send(res, 200, { items: db.tokens, next_cursor: null, total: db.tokens.length })
  if (path === '/tokens' && method === 'POST') {
    const b = await readBody(req)
    const tok = { id: ++nextId, name: b.name, created_at: now(), last_used_at: null }
    db.tokens.push(tok)
    return send(res, 201, { id: tok.id, name: tok.name, token: `tt_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}` })
  }
  let m = /^\/tokens\/(\d+)$/.exec(path)
  if (m && method === 'DELETE') {
    db.tokens = db.tokens.filter((t) => t.id !== Number(m[1]))
    return send(res, 204)
  }
  if (path === '/users' && method === 'GET') return list(res, db.users.map(({ password: _p, ...u }) => u), url)
  if (path === '/users' && method === 'POST') {
    const b = await readBody(req)
    if (db.users.some((u) => u.username === b.username)) return fail(res, 409, 'duplicate', `用户名 ${b.username} 已存在`)
    const u = { ...b, id: ++nextId, enterprise_name: db.enterprises.find((e) => e.id === b.enterprise_id)?.name ?? null }
    db.users.push(u)
    return send(res, 201, u)
  }
  m = /^\/users\/(\d+)$/.exec(path)
  if (m && method === 'PUT') {
    const b = await readBody(req)
    const u = db.users.find((x) => x.id === Number(m[1]))
    if (!u) return fail(res, 404, 'not_found', '用户不存在')
    Object.assign(u, b, { enterprise_name: db.enterprises.find((e) => e.id === b.enterprise_id)?.name ?? null })
    return send(res, 200, u)
  }

  m = /^\/(enterprises|vehicles|drivers|terminals)(?:\/(\d+|export|template|import))?$/.exec(path)
  if (!m) return fail(res, 404, 'not_found', `no route ${method} ${path}`)
  const col = m[1]
  const sub = m[2]
  if (sub === 'export' || sub === 'template') {
    res.writeHead(200, {
      'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'Content-Disposition': `attachment; filename="${col}.xlsx"; filename*=UTF-8''${encodeURIComponent(sub === 'export' ? '车辆.xlsx' : '模板.xlsx')}`,
    })
    return res.end(Buffer.from('PK mock'))
  }
  if (sub === 'import') {
    await readBody(req)
    return fail(res, 422, 'import_invalid', '导入失败', { errors: [{ row: 3, column: 'B', header: '车牌号', reason: '车牌号 "粤Q1" 太短' }] })
  }
  if (!sub && method === 'GET') {
    const q = (url.searchParams.get('q') || '').toLowerCase()
    let items = db[col].map((x) => decorate(col, x))
    if (q) items = items.filter((x) => JSON.stringify(x).toLowerCase().includes(q))
    for (const f of ['enterprise_id', 'region_id', 'vehicle_class', 'status']) {
      const v = url.searchParams.get(f)
      if (v) items = items.filter((x) => String(x[f]) === v)
    }
    return list(res, items, url)
  }
  if (!sub && method === 'POST') {
    const b = await readBody(req)
    const err = validate(col, b, null)
    if (err?.status === 422) return fail(res, 422, 'validation_failed', '数据校验失败', { fields: err.fields })
    if (err) return fail(res, 409, 'duplicate', err.message)
    const it = { ...b, id: ++nextId, created_at: now(), updated_at: now() }
    db[col].push(it)
    audit(user, 'create', col.replace(/s$/, ''), it.id, null, it)
    return send(res, 201, decorate(col, it))
  }
  const id = Number(sub)
  const it = db[col].find((x) => x.id === id)
  if (!it) return fail(res, 404, 'not_found', '记录不存在')
  if (method === 'GET') return send(res, 200, decorate(col, it))
  if (method === 'PUT') {
    const b = await readBody(req)
    const merged = { ...it, ...b }
    const err = validate(col, merged, id)
    if (err?.status === 422) return fail(res, 422, 'validation_failed', '数据校验失败', { fields: err.fields })
    if (err) return fail(res, 409, 'duplicate', err.message)
    const before = { ...it }
    Object.assign(it, b, { updated_at: now() })
    audit(user, 'update', col.replace(/s$/, ''), id, before, { ...it })
    return send(res, 200, decorate(col, it))
  }
  if (method === 'DELETE') {
    db[col] = db[col].filter((x) => x.id !== id)
    audit(user, 'delete', col.replace(/s$/, ''), id, it, null)
    return send(res, 204)
  }
  return fail(res, 405, 'method_not_allowed', method)
}

http
  .createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost')
    try {
      if (url.pathname.startsWith('/api/')) return await api(req, res, url)
      const rel = url.pathname === '/' ? 'index.html' : normalize(url.pathname).replace(/^\/+/, '')
      if (!rel.startsWith('assets/') && rel !== 'index.html') return send(res, 404, { error: { code: 'not_found', message: 'not found' } })
      const body = await readFile(join(DIST, rel))
      res.writeHead(200, { 'Content-Type': TYPES[extname(rel)] || 'application/octet-stream' })
      res.end(body)
    } catch (e) {
      if (!res.headersSent) send(res, e?.code === 'ENOENT' ? 404 : 500, { error: { code: 'mock', message: String(e) } })
    }
  })
  // `/api/v1/feed`: accept the WebSocket (signed-in users); positions of the mock fleet each second.
  .on('upgrade', (req, socket) => {
    const cookie = /tongtu_session=([^;]+)/.exec(req.headers.cookie || '')?.[1]
    const key = req.headers['sec-websocket-key']
    if (!req.url.startsWith('/api/v1/feed') || !key || !cookie || !sessions.has(cookie)) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
      return
    }
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64')
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
    const user = sessions.get(cookie)
    const timer = setInterval(() => {
      for (const { enterprise_id, msg } of feedTick()) {
        if (!user.enterprise_id || user.enterprise_id === enterprise_id) socket.write(wsFrame(JSON.stringify(msg)))
      }
    }, 1000)
    socket.on('data', () => {})
    socket.on('close', () => clearInterval(timer))
    socket.on('error', () => clearInterval(timer))
  })
  .listen(PORT, '127.0.0.1', () => console.log(`mock backend on http://127.0.0.1:${PORT}`))
