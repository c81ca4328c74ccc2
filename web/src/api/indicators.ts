/**
 * Assessment indicators (考核指标): reports per period and grouping, the enterprise ranking,
 * the monthly notice (通报), a vehicle-day's drill-down, exports, parameters and recomputation.
 * Types mirror `tongtu_alarms::indicators::report` and `tongtu_rules::indicators`.
 * Days are Beijing day numbers (days since 1970-01-01); see `dayToDate`.
 */
import { download, request } from './http'

export type Grouping = 'city' | 'region' | 'enterprise' | 'vehicle'

export type GroupKey =
  | { kind: 'city' }
  | { kind: 'region'; id: string }
  | { kind: 'enterprise'; id: number }
  | { kind: 'vehicle'; id: number }

/** A rate or average as "numerator / denominator"; `value` is null when the denominator is 0. */
export interface Ratio {
  numerator: number
  denominator: number
  value: number | null
}

export interface Period {
  first_day: number
  last_day: number
}

/** The averages speeding and fatigue are scored against (per online vehicle). */
export interface Reference {
  speeding_avg: number | null
  fatigue_avg_secs: number | null
}

/** Ranking indicators (`enterprise_score` / `platform_score` have no target). */
export type Indicator =
  | 'access_rate'
  | 'online_rate'
  | 'track_complete_rate'
  | 'data_qualified_rate'
  | 'drift_vehicle_rate'
  | 'avg_speeding'
  | 'avg_fatigue'
  | 'check_response_rate'
  | 'enterprise_score'
  | 'platform_score'

/** Whether each indicator meets its target; null when undefined. */
export interface TargetCheck {
  access_rate: boolean | null
  online_rate: boolean | null
  track_complete_rate: boolean | null
  data_qualified_rate: boolean | null
  drift_vehicle_rate: boolean | null
  avg_speeding: boolean | null
  avg_fatigue: boolean | null
  check_response_rate: boolean | null
}

export interface ScorePart {
  indicator: Indicator
  weight: number
  points: number
  assessed: boolean
}

export interface Score {
  total: number
  max: number
  parts: ScorePart[]
}

export type UnqualifiedReason =
  | 'time_invalid'
  | 'time_in_future'
  | 'longitude_out_of_range'
  | 'latitude_out_of_range'
  | 'speed_out_of_range'
  | 'altitude_out_of_range'
  | 'direction_out_of_range'

export type UnqualifiedCounts = Record<UnqualifiedReason, number>

/** A vehicle-day's (or a group's merged) counters. */
export interface Tally {
  records: number
  duplicates: number
  qualified: number
  unqualified: UnqualifiedCounts
  gnss_invalid: number
  track_fixes: number
  drift_fixes: number
  distance_mm: number
  incomplete_mm: number
  incomplete_segments: number
  online_ms: number
  active_days: number
  first_fix_ms: number | null
  last_fix_ms: number | null
}

export interface GroupIndicators {
  key: GroupKey
  vehicles_registered: number
  vehicles_entered: number
  vehicles_online: number
  vehicles_online_entered: number
  vehicles_with_drift: number
  access_rate: Ratio
  online_rate: Ratio
  track_complete_rate: Ratio
  data_qualified_rate: Ratio
  drift_vehicle_rate: Ratio
  avg_speeding_events: Ratio
  avg_fatigue_secs: Ratio
  avg_online_secs: Ratio
  avg_daily_mileage_km: Ratio
  check_response_rate: Ratio | null
  mileage_km: number
  incomplete_km: number
  online_secs: number
  speeding_events: number
  fatigue_secs: number
  tally: Tally
  targets: TargetCheck
  enterprise_score: Score
  platform_score: Score
}

export interface Ignored {
  unregistered_vehicles: number
  inactive_vehicles: number
  registered_after_period: number
  days_before_registration: number
}

export interface Report {
  period: Period
  grouping: Grouping
  reference: Reference
  groups: GroupIndicators[]
  ignored: Ignored
}

export interface GroupName {
  key: GroupKey
  name: string
  enterprise_name: string | null
  region_name: string | null
  plate_color: number | null
}

/** Targets; rates are fractions (0.95 = 95 %). */
export interface Targets {
  access_rate: number
  online_rate: number
  track_complete_rate: number
  data_qualified_rate: number
  drift_vehicle_rate_max: number
  check_response_rate: number
}

export interface IndicatorReport {
  report: Report
  /** The name of each group, in the order of `report.groups`. */
  names: GroupName[]
  targets: Targets
  /** 全市, or the enterprise or region the rows are limited to. */
  scope: string
  /** Today, when the period includes it (live figures). */
  live_day: number | null
  /** Closed days not computed yet (left out of the figures). */
  missing_days: number[]
  /** Days computed under other parameters than the current ones. */
  stale_days: number[]
}

export interface RankedRow {
  rank: number | null
  key: GroupKey
  value: number | null
  meets_target: boolean | null
  below_target: boolean
  name: string
  region_name: string | null
}

export type RankingIndicator =
  | 'online_rate'
  | 'access_rate'
  | 'track_complete_rate'
  | 'data_qualified_rate'
  | 'drift_vehicle_rate'
  | 'avg_speeding'
  | 'avg_fatigue'
  | 'enterprise_score'

export interface Ranking {
  indicator: Indicator
  items: RankedRow[]
}

export interface NoticeItem {
  indicator: Indicator
  /** Chinese name from the server. */
  label: string
  ratio: Ratio
  /** Fraction, or the city average for speeding and fatigue. */
  target: number | null
  /** True when the target is a maximum (drift, speeding, fatigue). */
  at_most: boolean
}

export interface NoticeRow {
  enterprise_id: number
  name: string
  region_name: string | null
  score: number
  score_max: number
  failures: NoticeItem[]
}

export interface Notice {
  title: string
  period: Period
  reference: Reference
  rows: NoticeRow[]
  enterprises_assessed: number
  live_day: number | null
  missing_days: number[]
}

/** A track point: device time (UTC ms) and coordinates in 1e-6 degree. */
export interface Fix {
  time_ms: number
  lat: number
  lon: number
}

export interface Capped<T> {
  items: T[]
  /** How many more there are beyond `items`. */
  more: number
}

export interface IncompleteSegment {
  from: Fix
  to: Fix
  gap_secs: number
  distance_m: number
}

export interface UnqualifiedRecord {
  device_time_ms: number
  receive_time_ms: number
  reason: UnqualifiedReason
  /** Seconds ahead, degrees, km/h, metres or degrees by reason; 0 for a missing time. */
  value: number
}

export interface DriftFix {
  fix: Fix
  from: Fix
  implied_kmh: number
  distance_m: number
}

export interface DrillDown {
  incomplete: Capped<IncompleteSegment>
  unqualified: Capped<UnqualifiedRecord>
  drift: Capped<DriftFix>
}

export interface VehicleDrillDown {
  vehicle_id: number
  plate: string
  enterprise_name: string
  day: number
  date: string
  live: boolean
  tally: Tally
  items: DrillDown
}

export interface RecomputeResult {
  /** Days computed and stored whole (day numbers). */
  days: number[]
  /** Later stored days partly recomputed because the carry they start from changed. */
  propagated: number[]
  /** Vehicle-day rows written. */
  vehicle_days: number
  /** Earlier days not stored yet, computed first because the range starts from them. */
  caught_up: number[]
}

export interface ReportQuery {
  from: string
  to: string
  group: Grouping
  enterprise_id?: number | null
  region?: string | null
}

// ---- calls ----

/** 400 (bad period) and 404 (unknown enterprise) are shown by the page. */
export function indicatorReport(q: ReportQuery): Promise<IndicatorReport> {
  return request<IndicatorReport>('/indicators', {
    query: { from: q.from, to: q.to, group: q.group, enterprise_id: q.enterprise_id, region: q.region },
    quiet: [400, 404, 422, 503],
  })
}

export interface TrendDay {
  day: number
  date: string
  live: boolean
  group: GroupIndicators
}

/** The scope's figures day by day (track and record indicators; speeding/fatigue are per period). */
export function indicatorTrend(from: string, to: string, enterpriseId?: number | null, region?: string | null): Promise<{ items: TrendDay[] }> {
  return request<{ items: TrendDay[] }>('/indicators/trend', { query: { from, to, enterprise_id: enterpriseId ?? undefined, region: region ?? undefined } })
}

export function indicatorRanking(from: string, to: string, indicator: RankingIndicator): Promise<Ranking> {
  return request<Ranking>('/indicators/ranking', { query: { from, to, indicator }, quiet: [400, 422, 503] })
}

/** `month`: YYYY-MM. */
export function indicatorNotice(month: string): Promise<Notice> {
  return request<Notice>('/indicators/notice', { query: { month }, quiet: [400, 422, 503] })
}

/** `day`: YYYY-MM-DD. */
export function vehicleDrillDown(vehicleId: number, day: string): Promise<VehicleDrillDown> {
  return request<VehicleDrillDown>(`/indicators/vehicles/${vehicleId}/drilldown`, {
    query: { day },
    quiet: [400, 404, 422, 503],
  })
}

/** Saves the xlsx workbook (every level) or one level as CSV; returns the file name. */
/** Downloads the page's scope: `enterpriseId` / `region` narrow it as the table's filters do. */
export function exportIndicators(
  from: string,
  to: string,
  format: 'xlsx' | 'csv',
  group?: Grouping,
  enterpriseId?: number | null,
  region?: string | null,
): Promise<string> {
  return download(
    '/indicators/export',
    {
      from,
      to,
      format,
      group: format === 'csv' ? group : undefined,
      enterprise_id: enterpriseId ?? undefined,
      region: region ?? undefined,
    },
    `indicators-${from}-${to}.${format}`,
  )
}

/** Indicator parameters (`IndicatorConfig`); the page reads only the targets. */
export interface IndicatorSettings {
  targets: Targets
  [key: string]: unknown
}

export function getIndicatorSettings(): Promise<IndicatorSettings> {
  return request<IndicatorSettings>('/indicators/settings')
}

export function putIndicatorSettings(body: IndicatorSettings): Promise<IndicatorSettings> {
  return request<IndicatorSettings>('/indicators/settings', { method: 'PUT', body, quiet: [422] })
}

/** Recomputes stored days `from..=to` (ends yesterday at the latest). */
export function recomputeIndicators(from: string, to: string): Promise<RecomputeResult> {
  return request<RecomputeResult>('/indicators/recompute', { method: 'POST', body: { from, to }, quiet: [400, 409, 422] })
}

// ---- day numbers ----

const DAY_MS = 86_400_000

/** YYYY-MM-DD of a Beijing day number. */
export function dayToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** Beijing day number of a YYYY-MM-DD date. */
export function dateToDay(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS)
}
