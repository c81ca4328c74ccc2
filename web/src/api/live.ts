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
