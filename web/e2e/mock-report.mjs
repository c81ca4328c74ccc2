// The half-year report API (`GET /report/half-year?year=&half=&format=json|docx|html|pdf`) for
// the mock backend, shaped like crates/tongtu-report: a few figures (one missing, one that
// changes between runs), a document of headings, paragraphs, a table and a chart (PNG bytes
// and an SVG), the checks against the previous run of the same period (each json call is a
// run). PDF answers 503 `pdf_unavailable`; MOCK_TEMPLATE_INVALID=1 makes every call answer
// 422 `template_invalid`. Enterprise users get 403. Used by mock-server.mjs.

/** Runs per period: the figure values of each. */
const runs = new Map()

// A 2×2 red PNG.
const PNG = [...Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAwMDAwMDAAAANAAH/7t4HAAAAAElFTkSuQmCC', 'base64')]

function figuresFor(year, half, run) {
  const k = year * 2 + half
  const fig = (id, label, unit, section, semantics, value, source, filter, records, decimals = 1, missing = null) => ({
    id, label, unit, section, semantics, value: missing ? null : value,
    text: missing ? `【缺：${label}】` : value.toLocaleString('zh-CN', { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: false }),
    missing, source, filter, records: missing ? 0 : records,
  })
  return [
    fig('road_passengers', '公路客运量', '万人次', 'economy', 'half', 812.4 + (k % 7) * 10, 'transport_stats', '公路，本期各月', 18),
    fig('road_passengers_yoy', '公路客运量同比', '%', 'economy', 'yo_y', -3.2 + (k % 3), 'transport_stats', '公路，本期与上年同期', 36),
    fig('road_freight', '公路货运量', '万吨', 'economy', 'half', 2310.5 + run * 12.5, 'transport_stats', '公路，本期各月', 18 + run),
    fig('project_investment', '重点项目完成投资', '万元', 'projects', 'year_to_date', 152300, 'projects', '在建、完工项目，年初至期末', 5, 0),
    fig('port_throughput', '港口货物吞吐量', '万吨', 'economy', 'half', 0, 'port_throughput', '全港，本期各月', 0, 1, '本期无港口吞吐量记录'),
    fig('vehicles_active', '营运车辆', '辆', 'safety', 'on_date', 1280, 'vehicles', '状态为营运，截至期末', 1280, 0),
    fig('alarms_handled', '处置报警', '起', 'safety', 'half', 436, 'alarms', '本期已处置的报警', 436, 0),
  ]
}

function documentFor(year, half, figs) {
  const f = (id) => {
    const x = figs.find((y) => y.id === id)
    return { type: 'figure', id, text: x.text, missing: !!x.missing }
  }
  const tx = (text) => ({ type: 'text', text })
  const h = half === 1 ? '上半年' : '下半年'
  return {
    title: `${year}年${h}工作总结及${half === 1 ? '下半年' : `${year + 1}年`}工作计划`,
    subtitle: ['阳江市交通运输局', `（${year}年${half === 1 ? '7' : '12'}月）`],
    blocks: [
      { type: 'heading', level: 1, inlines: [tx(`一、${h}工作情况`)] },
      { type: 'heading', level: 2, inlines: [tx('（一）运输经济平稳运行')] },
      { type: 'paragraph', inlines: [tx(`${h}，全市完成公路客运量`), f('road_passengers'), tx('万人次，同比'), f('road_passengers_yoy'), tx('%；公路货运量'), f('road_freight'), tx('万吨。港口货物吞吐量'), f('port_throughput'), tx('万吨。')] },
      { type: 'heading', level: 2, inlines: [tx('（二）重点项目加快推进')] },
      { type: 'paragraph', inlines: [tx('重点项目年初至期末完成投资'), f('project_investment'), tx('万元。公路客运量'), f('road_passengers'), tx('万人次为全年目标的重要支撑。')] },
      { type: 'table', caption: '表1 主要运输指标', header: ['指标', '数值', '单位'], rows: [[[tx('公路客运量')], [f('road_passengers')], [tx('万人次')]], [[tx('公路货运量')], [f('road_freight')], [tx('万吨')]]] },
      { type: 'chart', caption: '图1 各月公路客运量', png: PNG, svg: '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120" viewBox="0 0 400 120"><rect x="20" y="40" width="40" height="70" fill="#4472c4"/><rect x="80" y="20" width="40" height="90" fill="#4472c4"/><rect x="140" y="55" width="40" height="55" fill="#4472c4"/></svg>', width_mm: 150, height_mm: 45 },
      { type: 'heading', level: 3, inlines: [tx('1. 安全监管')] },
      { type: 'paragraph', inlines: [tx('截至期末营运车辆'), f('vehicles_active'), tx('辆，本期处置报警'), f('alarms_handled'), tx('起。')] },
    ],
  }
}

export async function reportApi({ path, method, url, user, res, send, fail }) {
  if (path !== '/report/half-year' || method !== 'GET') return false
  if (user.enterprise_id) return fail(403, 'forbidden', '无权生成工作总结')
  for (const k of url.searchParams.keys()) if (!['year', 'half', 'format'].includes(k)) return fail(400, 'bad_request', `unknown parameter: ${k}`)
  const year = Number(url.searchParams.get('year'))
  const half = Number(url.searchParams.get('half'))
  const format = url.searchParams.get('format') || 'json'
  if (!Number.isInteger(year) || year < 1990 || year > 2100) return fail(400, 'bad_request', `year: not a year: "${url.searchParams.get('year')}"`)
  if (half !== 1 && half !== 2) return fail(400, 'bad_request', 'half: expected 1 or 2')
  if (!['json', 'docx', 'html', 'pdf'].includes(format)) return fail(400, 'bad_request', `format: unknown "${format}"`)
  if (process.env.MOCK_TEMPLATE_INVALID === '1') {
    return fail(422, 'template_invalid', '报告模板有误', { name: 'half-year.md.j2', line: 12, column: 7, message: "unknown figure 'road_pasengers'" })
  }
  const key = `${year}-${half}`
  const prev = runs.get(key) ?? []
  const run = prev.length
  const figs = figuresFor(year, half, run)
  const doc = documentFor(year, half, figs)
  const label = `${year}年${half === 1 ? '上' : '下'}半年`
  if (format === 'pdf') return fail(503, 'pdf_unavailable', '服务器未安装 LibreOffice，无法生成 PDF，请下载 DOCX 后自行转换')
  if (format !== 'json') {
    const name = `${label}工作总结.${format}`
    const type = format === 'docx' ? 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' : 'text/html; charset=utf-8'
    res.writeHead(200, { 'Content-Type': type, 'Content-Disposition': `attachment; filename="report-${key}.${format}"; filename*=UTF-8''${encodeURIComponent(name)}` })
    res.end(format === 'docx' ? Buffer.from('PK mock docx') : `<!doctype html><meta charset="utf-8"><h1>${doc.title}</h1>`)
    return true
  }
  const last = prev.at(-1)
  const changed = last
    ? figs
        .filter((x) => {
          const b = last.figs.find((y) => y.id === x.id)
          return b && (b.value !== x.value || b.records !== x.records)
        })
        .map((x) => {
          const b = last.figs.find((y) => y.id === x.id)
          return { id: x.id, label: x.label, before: b.value, after: x.value, records_before: b.records, records_after: x.records }
        })
    : []
  prev.push({ at: new Date().toISOString(), figs })
  runs.set(key, prev)
  return send(200, {
    period: { year, half },
    label,
    figures: figs,
    checks: { missing: figs.filter((x) => x.missing).map((x) => [x.id, x.label, x.missing]), changed, previous_run: last?.at ?? null },
    document: doc,
  })
}
