/** Shapes of the Tongtu HTTP API v1 (docs/API.md). */

export type Permission =
  | 'registry.read'
  | 'registry.write'
  | 'pii.read'
  | 'audit.read'
  | 'users.manage'
  | 'alarm.read'
  | 'alarm.handle'
  | 'alarm.supervise'
  | 'rules.manage'

export type Role = 'bureau_admin' | 'bureau_supervisor' | 'enterprise_officer' | 'viewer'

export interface User {
  id: number
  username: string
  display_name: string
  role: Role | string
  enterprise_id: number | null
  enterprise_name: string | null
  permissions: string[]
}

/** A user as listed on the users page (adds `disabled`). */
export interface ManagedUser extends Omit<User, 'permissions'> {
  disabled: boolean
  permissions?: string[]
  created_at?: string
}

export interface UserWrite {
  username: string
  display_name: string
  role: string
  enterprise_id: number | null
  disabled: boolean
  password?: string
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
  total: number
}

/** One entry of a `/api/v1/meta` dictionary. */
export interface DictEntry {
  code: string | number
  zh: string
  en: string
}

export interface Meta {
  vehicle_classes: DictEntry[]
  business_types: DictEntry[]
  plate_colors: DictEntry[]
  vehicle_statuses: DictEntry[]
  roles: DictEntry[]
  protocol_versions: DictEntry[]
}

export type DictName = keyof Meta

export interface Region {
  id: number
  code: string
  name: string
  kind: string
}

/** A registry record as returned by the server: every field is read generically. */
export type RegistryItem = { id: number } & Record<string, unknown>

export interface FieldError {
  field: string
  message: string
}

export interface ImportRowError {
  row: number
  column: string
  header: string
  reason: string
}

export interface ApiToken {
  id: number
  name: string
  created_at?: string
  last_used_at?: string | null
}

export interface CreatedToken {
  id: number
  name: string
  token: string
}

export interface AuditEntry {
  id: number
  at: string
  actor_id: number | null
  actor_name: string | null
  action: string
  entity: string
  entity_id: number | string | null
  summary: string
  before: unknown
  after: unknown
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> | null }
}

// ---- alarms (docs/alarms-api.md) ----

export type AlarmState = 'new' | 'handled' | 'escalated' | 'closed'
export type Severity = 'info' | 'warning' | 'serious'
export type Measure = 'phone_call' | 'text_to_driver' | 'driver_replaced' | 'false_alarm' | 'other'
export type ActionKind =
  | 'opened'
  | 'closed'
  | 'handle'
  | 'text_sent'
  | 'text_failed'
  | 'review_approve'
  | 'review_reject'
  | 'escalate'
  | 'close'
  | 'case'

export interface AlarmItem {
  id: number
  vehicle_id: number
  plate: string
  plate_color: number | null
  enterprise_id: number
  enterprise_name: string | null
  vehicle_type: string | null
  rule: string
  severity: Severity
  start_at: string
  end_at: string | null
  open: boolean
  /** km/h (speeding, drift), seconds (fatigue, driving time, offline, shielding, tampering skew). */
  peak: number | null
  limit: number | null
  detail: string | null
  state: AlarmState
  deadline: string | null
  overdue: boolean
  case_id: number | null
  lat: number | null
  lon: number | null
  speed_kmh: number | null
  handled_at: string | null
  measure: Measure | null
}

export interface AlarmAction {
  id: number
  at: string
  actor_name: string | null
  action: ActionKind | string
  measure: Measure | string | null
  note: string | null
  text: string | null
  terminal_result: string | null
  deadline: string | null
}

export interface AlarmDetail extends AlarmItem {
  actions: AlarmAction[]
  fence_name: string | null
}

export interface EvidencePoint {
  t: string
  lat: number
  lon: number
  speed_kmh: number
  direction: number
  valid: boolean
  in_alarm: boolean
}

export interface Evidence {
  from: string
  to: string
  points: EvidencePoint[]
  /** More positions existed than returned (thinned evenly, the alarm span kept). */
  truncated?: boolean
}

export interface HandleBody {
  measure: Measure
  note: string
  text?: string
}

export interface AlarmStats {
  total: number
  by_rule: { rule: string; count: number }[]
  by_state: { state: string; count: number }[]
  by_enterprise: { enterprise_id: number; enterprise_name: string | null; count: number; open: number }[]
  by_hour: number[]
  by_day: { day: string; count: number }[]
}

export interface AlarmNotifications {
  to_handle: number
  to_review: number
  escalated: number
  overdue: number
  latest: AlarmItem[]
}

export interface EnforcementCase {
  id: number
  case_no: string
  case_type: string
  violation: string
  vehicle_id: number
  plate: string
  enterprise_id: number
  enterprise_name: string | null
  alarm_id: number | null
  opened_at: string
  status: 'open' | 'closed' | string
  summary: string | null
  created_by: string | number | null
}

export interface ClassRules {
  speed_limit_kmh: number
  passenger: boolean
  night_speed_factor: number
  speeding_min_secs: number
  speeding_merge_secs: number
  moving_kmh: number
  fatigue_day_secs: number
  fatigue_night_secs: number
  min_rest_secs: number
  daily_driving_secs: number
  weekly_driving_secs: number
  max_driving_step_secs: number
  night_ban: boolean
  offline_secs: number
  shielding_gap_secs: number
  drift_kmh: number
  drift_jump_m: number
  drift_jump_window_secs: number
  tamper_ahead_secs: number
  tamper_behind_secs: number
  frozen_repeats: number
  /** Server additions beyond docs/alarms-api.md (route deviation tolerance). */
  route_tolerance_m?: number
  route_tolerance_secs?: number
}

export interface RuleSettings {
  night_start_min: number
  night_end_min: number
  ban_start_min: number
  ban_end_min: number
  default_class: ClassRules
  classes: Record<string, ClassRules>
}

export type GeofenceShape =
  | { type: 'circle'; lat: number; lon: number; radius_m: number }
  | { type: 'polygon'; points: [number, number][] }
  | { type: 'corridor'; points: [number, number][]; half_width_m: number }

export type GeofenceKind =
  | { type: 'enter' }
  | { type: 'leave' }
  | { type: 'forbidden' }
  | { type: 'route_deviation' }
  | { type: 'speed_limit'; limit_kmh: number }

export interface Geofence {
  id: number
  name: string
  enabled: boolean
  shape: GeofenceShape
  kind: GeofenceKind
  vehicle_ids: number[]
  classes: string[]
  active_from_min: number | null
  active_to_min: number | null
}

/**
 * The body of POST / PUT. The server ignores `id` (the path or a new id wins) but its
 * deserializer requires the field, so the console always sends it (0 when creating).
 */
export type GeofenceWrite = Geofence

/** A message of the `/api/v1/feed` WebSocket. */
export interface FeedMessage {
  type: 'alarm' | string
  event?: 'opened' | 'closed' | 'updated'
  alarm?: AlarmItem
}
