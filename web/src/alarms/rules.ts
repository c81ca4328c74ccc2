/**
 * Alarm rules as the console names and formats them: rule codes (docs/alarms-api.md) →
 * labels, the grouped choices of the rule filter, states, severities, measures, and the
 * human-readable peak/limit ("超速 96 km/h（限速 80）", "超时 1小时5分（限 4小时）").
 */
import { i18n, tOr } from '@/i18n'
import type { AlarmItem, AlarmState, Measure, Severity } from '@/api/types'

const t = (key: string, params?: Record<string, unknown>): string =>
  params ? i18n.global.t(key, params) : i18n.global.t(key)

/** JT/T 808 alarm bits with a name of their own; others read "终端报警(位N)". */
export const NAMED_TERMINAL_BITS = [0, 1, 2, 5, 6, 8, 14, 18, 19] as const

/** Platform rules without a parameter, in the order the filter lists them. */
export const PLATFORM_RULES = [
  'speeding',
  'fatigue',
  'daily_driving',
  'weekly_driving',
  'night_ban',
  'offline',
  'signal_shielding',
  'drift',
  'tampering',
] as const

/** Geofence rule families: the code is `<family>_<fence id>`. */
export const FENCE_FAMILIES = ['fence_enter', 'fence_leave', 'forbidden', 'route_deviation', 'zone_speeding'] as const
export type FenceFamily = (typeof FENCE_FAMILIES)[number]

export const STATES: AlarmState[] = ['new', 'handled', 'escalated', 'closed']
export const SEVERITIES: Severity[] = ['info', 'warning', 'serious']
export const MEASURES: Measure[] = ['phone_call', 'text_to_driver', 'driver_replaced', 'false_alarm', 'other']

export interface RuleOption {
  value: string
  label: string
}
export interface RuleGroup {
  key: string
  label: string
  options: RuleOption[]
}

/** Parsed rule code. */
export type ParsedRule =
  | { kind: 'terminal'; bit: number }
  | { kind: 'platform'; code: string }
  | { kind: 'fence'; family: FenceFamily; fenceId: number | null }
  | { kind: 'unknown'; code: string }

export function parseRule(code: string): ParsedRule {
  const term = /^terminal_(\d+)$/.exec(code)
  if (term) return { kind: 'terminal', bit: Number(term[1]) }
  for (const f of FENCE_FAMILIES) {
    if (code === f) return { kind: 'fence', family: f, fenceId: null }
    if (code.startsWith(`${f}_`)) {
      const id = Number(code.slice(f.length + 1))
      return { kind: 'fence', family: f, fenceId: Number.isFinite(id) ? id : null }
    }
  }
  if ((PLATFORM_RULES as readonly string[]).includes(code)) return { kind: 'platform', code }
  return { kind: 'unknown', code }
}

export function terminalBitName(bit: number): string {
  return (NAMED_TERMINAL_BITS as readonly number[]).includes(bit)
    ? t(`alarm.bits.b${bit}`)
    : t('alarm.bits.other', { n: bit })
}

/** Display name of a rule code (or a family such as `terminal`). */
export function ruleName(code: string | null | undefined, fenceName?: string | null): string {
  if (!code) return ''
  if (code === 'terminal') return t('alarm.ruleGroups.terminal')
  if (code === 'fence') return t('alarm.ruleGroups.fence')
  const p = parseRule(code)
  switch (p.kind) {
    case 'terminal':
      return terminalBitName(p.bit)
    case 'platform':
      return t(`alarm.rules.${p.code}`)
    case 'fence': {
      const base = t(`alarm.rules.${p.family}`)
      return fenceName ? `${base}（${fenceName}）` : base
    }
    default:
      return code
  }
}

/** The rule filter: terminal bits, platform rules, geofence families. */
export function ruleGroups(): RuleGroup[] {
  return [
    {
      key: 'terminal',
      label: t('alarm.ruleGroups.terminal'),
      options: [
        { value: 'terminal', label: t('alarm.ruleGroups.allTerminal') },
        ...NAMED_TERMINAL_BITS.map((b) => ({ value: `terminal_${b}`, label: terminalBitName(b) })),
      ],
    },
    {
      key: 'platform',
      label: t('alarm.ruleGroups.platform'),
      options: PLATFORM_RULES.map((r) => ({ value: r, label: t(`alarm.rules.${r}`) })),
    },
    {
      key: 'fence',
      label: t('alarm.ruleGroups.fence'),
      // The server filters by code or `<family>_` prefix: each fence family is one option.
      options: FENCE_FAMILIES.map((f) => ({ value: f, label: t(`alarm.rules.${f}`) })),
    },
  ]
}

export function stateLabel(s: string): string {
  return tOr(`alarm.states.${s}`, s)
}

export function stateTagType(s: string, overdue = false): 'danger' | 'warning' | 'success' | 'info' | 'primary' {
  if (overdue) return 'danger'
  return s === 'new' ? 'warning' : s === 'escalated' ? 'danger' : s === 'handled' ? 'primary' : s === 'closed' ? 'success' : 'info'
}

export function severityLabel(s: string): string {
  return tOr(`alarm.severities.${s}`, s)
}

export function severityTagType(s: string): 'danger' | 'warning' | 'info' {
  return s === 'serious' ? 'danger' : s === 'warning' ? 'warning' : 'info'
}

export function measureLabel(m: string | null | undefined): string {
  return m ? tOr(`alarm.measures.${m}`, m) : ''
}

export function actionLabel(a: string): string {
  return tOr(`alarm.actions.${a}`, a)
}

export function terminalResultLabel(r: string | null | undefined): string {
  return r ? tOr(`alarm.terminalResults.${r}`, r) : ''
}

/** "1小时5分" / "1 h 5 min": the two largest non-zero units; seconds only under an hour. */
export function formatDuration(secs: number | null | undefined): string {
  if (secs === null || secs === undefined || !Number.isFinite(secs)) return ''
  let s = Math.max(0, Math.round(secs))
  const d = Math.floor(s / 86400)
  s -= d * 86400
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  const parts: string[] = []
  if (d) parts.push(t('dur.d', { n: d }))
  if (h) parts.push(t('dur.h', { n: h }))
  if (m) parts.push(t('dur.m', { n: m }))
  if (s && !d && !h) parts.push(t('dur.s', { n: s }))
  if (!parts.length) return t('dur.s', { n: 0 })
  return parts.slice(0, 2).join(t('dur.sep'))
}

function kmh(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : String(Math.round(v))
}

/** Human-readable peak and limit of an alarm, by rule; falls back to the server's `detail`. */
export function formatPeak(a: Pick<AlarmItem, 'rule' | 'peak' | 'limit' | 'detail'>): string {
  const p = parseRule(a.rule)
  const peak = a.peak ?? null
  const limit = a.limit ?? null
  const has = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0
  const code = p.kind === 'platform' ? p.code : p.kind === 'fence' ? p.family : ''
  switch (code) {
    case 'speeding':
    case 'zone_speeding':
      if (has(peak)) return has(limit) ? t('alarm.fmt.speeding', { peak: kmh(peak), limit: kmh(limit) }) : t('alarm.fmt.speedOnly', { peak: kmh(peak) })
      break
    case 'drift':
      if (has(peak)) return has(limit) ? t('alarm.fmt.drift', { peak: kmh(peak), limit: kmh(limit) }) : t('alarm.fmt.speedOnly', { peak: kmh(peak) })
      break
    case 'fatigue':
    case 'daily_driving':
    case 'weekly_driving':
      if (has(peak)) return has(limit) ? t('alarm.fmt.overtime', { peak: formatDuration(peak), limit: formatDuration(limit) }) : t('alarm.fmt.overtimeOnly', { peak: formatDuration(peak) })
      break
    case 'offline':
    case 'signal_shielding':
      if (has(peak)) return has(limit) ? t('alarm.fmt.gap', { peak: formatDuration(peak), limit: formatDuration(limit) }) : t('alarm.fmt.gapOnly', { peak: formatDuration(peak) })
      break
    case 'tampering':
      if (has(peak)) return t('alarm.fmt.skew', { peak: formatDuration(peak) })
      break
  }
  return a.detail ?? ''
}

/** Colours of the handling states in charts. */
export const ALARM_STATE_COLORS: Record<string, string> = { new: '#e6a23c', handled: '#1f6fd1', escalated: '#e03c31', closed: '#2e9a5e' }

/** Counts per rule with fence rules (`zone_speeding_5`, `forbidden_7` …) summed by family, most first. */
export function countsByRuleFamily(rows: { rule: string; count: number }[]): { rule: string; count: number }[] {
  const sums = new Map<string, number>()
  for (const r of rows) {
    const p = parseRule(r.rule)
    const key = p.kind === 'fence' ? p.family : r.rule
    sums.set(key, (sums.get(key) ?? 0) + r.count)
  }
  return [...sums.entries()].map(([rule, count]) => ({ rule, count })).sort((a, b) => b.count - a.count)
}
