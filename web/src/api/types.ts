/** Shapes of the Tongtu HTTP API v1 (docs/API.md). */

export type Permission = 'registry.read' | 'registry.write' | 'pii.read' | 'audit.read' | 'users.manage'

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
