/** Live monitoring: positions of the fleet, the offline basemap and vehicle tracks (docs/live-api.md). */
import type { FeatureCollection } from 'geojson'
import { buildUrl, request } from './http'

export type LiveState = 'moving' | 'stopped' | 'offline' | 'never'

export interface LiveVehicle {
  vehicle_id: number
  plate: string
  plate_color: number | null
  vehicle_type: string | null
  enterprise_id: number | null
  enterprise_name: string | null
  region_id: number | null
  lat: number | null
  lon: number | null
  speed_kmh: number | null
  direction: number | null
  t: string | null
  state: LiveState
  online: boolean
  open_alarms: number
}

export interface LiveCounts {
  total: number
  moving: number
  stopped: number
  offline: number
  never: number
  alarming: number
}

export interface LiveSnapshot {
  at: string
  counts: LiveCounts
  items: LiveVehicle[]
}

export interface TrackPoint {
  t: string
  lat: number
  lon: number
  speed_kmh: number
  direction: number
  valid: boolean
  alarm_bits: number
}

export interface Track {
  vehicle_id: number
  plate: string
  from: string
  to: string
  truncated: boolean
  points: TrackPoint[]
}

/** Feed messages of the live map (besides `alarm`). */
export interface PositionMessage {
  type: 'position'
  vehicle_id: number
  lat: number
  lon: number
  speed_kmh: number
  direction: number
  t: string
  /** When the gateway received the fix (UTC ms). */
  rt?: number
  state: LiveState
}

/** `quiet`: the polling fallback keeps the last snapshot instead of a message every 15 s. */
export function liveVehicles(quiet = false): Promise<LiveSnapshot> {
  return request<LiveSnapshot>('/live/vehicles', { quiet })
}

export function basemap(): Promise<FeatureCollection> {
  return request<FeatureCollection>('/map/basemap', { quiet: true })
}

export function track(vehicleId: number, from: string, to: string): Promise<Track> {
  // 400 (period over 7 days, bad time) and 404 are shown by the page itself.
  return request<Track>(`/vehicles/${vehicleId}/track`, { query: { from, to }, quiet: [400, 404, 422] })
}

/** Same-origin link of a track export (the server answers with an attachment). */
export function trackExportUrl(vehicleId: number, from: string, to: string, format: 'gpx' | 'kml' | 'csv'): string {
  return buildUrl(`/vehicles/${vehicleId}/track`, { from, to, format })
}

// ---- vehicle card and terminal commands ----

export interface Location {
  road: string | null
  road_class: string | null
  road_limit_kmh: number | null
  road_distance_m: number | null
  place: string | null
  place_distance_m: number | null
  place_bearing: string | null
  description: string
}

export interface FixInfo {
  t: string
  received_at: string
  lat: number
  lon: number
  altitude_m: number
  speed_kmh: number
  direction: number
  gnss_valid: boolean
  satellites: number | null
  odometer_km: number | null
  alarm_bits: number
  status_bits: number
}

export interface CardAlarm {
  id: number
  rule: string
  severity: string
  start_at: string
  end_at: string | null
  state: string
}

export interface VehicleCard {
  vehicle: LiveVehicle
  vin: string
  transport_cert_no: string
  seats: number | null
  tonnage_kg: number | null
  status: string
  terminal: { phone: string; terminal_id: string; manufacturer: string; model: string; protocol_version: string } | null
  drivers: { name: string; phone: string }[]
  fix: FixInfo | null
  location: Location | null
  today: {
    positions: number
    mileage_km: number | null
    mileage_source: 'odometer' | 'gnss' | null
    odometer_km: number | null
    gnss_km: number | null
    alarms: number
    pending: number
    recent: CardAlarm[]
  }
}

export interface CommandResult {
  terminal_result: string
  position: TrackPoint | null
  params: { id: number; value: string }[] | null
}

export function vehicleCard(id: number): Promise<VehicleCard> {
  return request<VehicleCard>(`/live/vehicles/${id}`, { quiet: true })
}

/** Commands wait for the terminal's answer; 409 (not connected) and 504 (no answer) are the caller's to explain. */
const COMMAND_QUIET = [409, 504]

export function sendText(id: number, text: string): Promise<CommandResult> {
  return request<CommandResult>(`/vehicles/${id}/text`, { method: 'POST', body: { text }, quiet: COMMAND_QUIET })
}

export function queryLocation(id: number): Promise<CommandResult> {
  return request<CommandResult>(`/vehicles/${id}/locate`, { method: 'POST', quiet: COMMAND_QUIET })
}

export function readParams(id: number): Promise<CommandResult> {
  return request<CommandResult>(`/vehicles/${id}/params`, { method: 'POST', quiet: COMMAND_QUIET })
}

// ---- today's dashboard ----

export interface Dashboard {
  at: string
  day: string
  counts: LiveCounts
  online: number
  by_class: { vehicle_type: string; total: number; online: number; moving: number; reported_today: number; alarming: number }[]
  positions_per_minute: { from: string; values: (number | null)[]; backfill: (number | null)[]; total: number; total_backfill: number }
  alarms_today: number
  alarms_by_rule: { rule: string; count: number }[]
  alarms_by_state: { state: string; count: number }[]
  top_enterprises: { enterprise_id: number; enterprise_name: string; pending: number; new: number; overdue: number }[]
}

export function dashboardToday(quiet = false): Promise<Dashboard> {
  return request<Dashboard>('/dashboard/today', { quiet })
}
