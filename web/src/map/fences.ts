/** Geofence shapes as GeoJSON for MapLibre (circles as 64-gons, corridors as lines with a width). */
import type { Feature, FeatureCollection } from 'geojson'
import type { GeofenceShape } from '@/api/types'

const EARTH_R = 6_371_008.8

/** A circle of `radius_m` around (lat, lon) as a ring of [lon, lat]. */
export function circleRing(lat: number, lon: number, radius_m: number, steps = 64): [number, number][] {
  const ring: [number, number][] = []
  const d = radius_m / EARTH_R
  const φ1 = (lat * Math.PI) / 180
  const λ1 = (lon * Math.PI) / 180
  for (let i = 0; i <= steps; i++) {
    const θ = (2 * Math.PI * i) / steps
    const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(θ))
    const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2))
    ring.push([(λ2 * 180) / Math.PI, (φ2 * 180) / Math.PI])
  }
  return ring
}

/** MapLibre `line-width` (pixels) that draws `widthM` metres at latitude `lat` at every zoom. */
export function metresWidth(widthM: number, lat: number): unknown {
  const mpp0 = (40_075_016.686 * Math.cos((lat * Math.PI) / 180)) / 512
  const px0 = widthM / mpp0
  return ['interpolate', ['exponential', 2], ['zoom'], 0, px0, 22, px0 * 2 ** 22]
}

/** Features of a shape: `role` = area | line | vertex | centre; props copied on every feature. */
export function shapeFeatures(shape: GeofenceShape, props: Record<string, unknown> = {}): Feature[] {
  const out: Feature[] = []
  if (shape.type === 'circle') {
    out.push({ type: 'Feature', properties: { ...props, role: 'area' }, geometry: { type: 'Polygon', coordinates: [circleRing(shape.lat, shape.lon, shape.radius_m)] } })
    out.push({ type: 'Feature', properties: { ...props, role: 'centre' }, geometry: { type: 'Point', coordinates: [shape.lon, shape.lat] } })
  } else if (shape.type === 'polygon') {
    const ring = shape.points.map(([lat, lon]) => [lon, lat] as [number, number])
    if (ring.length >= 3) {
      out.push({ type: 'Feature', properties: { ...props, role: 'area' }, geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]!]] } })
    } else if (ring.length === 2) {
      out.push({ type: 'Feature', properties: { ...props, role: 'line' }, geometry: { type: 'LineString', coordinates: ring } })
    }
  } else if (shape.type === 'corridor') {
    const line = shape.points.map(([lat, lon]) => [lon, lat] as [number, number])
    if (line.length >= 2) {
      out.push({ type: 'Feature', properties: { ...props, role: 'corridor', width_m: shape.half_width_m * 2 }, geometry: { type: 'LineString', coordinates: line } })
      out.push({ type: 'Feature', properties: { ...props, role: 'line' }, geometry: { type: 'LineString', coordinates: line } })
    }
  }
  return out
}

export function collection(features: Feature[]): FeatureCollection {
  return { type: 'FeatureCollection', features }
}

/** All [lon, lat] coordinates of a shape, for fitting the view. */
export function shapeCoords(shape: GeofenceShape): [number, number][] {
  if (shape.type === 'circle') return circleRing(shape.lat, shape.lon, shape.radius_m, 16)
  return shape.points.map(([lat, lon]) => [lon, lat])
}

/** A representative latitude (for the corridor width). */
export function shapeLat(shape: GeofenceShape): number {
  if (shape.type === 'circle') return shape.lat
  const p = shape.points[0]
  return p ? p[0] : 22
}
