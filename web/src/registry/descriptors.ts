/**
 * What each registry collection looks like on screen. The generic page (`RegistryView.vue`)
 * reads these descriptors; a new collection is a new entry here, not a new page.
 * Field names are the API's (docs/API.md); labels are i18n keys `fields.<collection>.<name>`.
 */
import type { Collection } from '@/api/registry'
import type { DictName } from '@/api/types'

export type FieldType =
  | 'text'
  | 'number'
  | 'select' // one code from a /meta dictionary
  | 'multiselect' // several codes from a /meta dictionary
  | 'enterprise' // enterprise id, remote search on /enterprises?q=
  | 'vehicle' // vehicle id, remote search on /vehicles?q=
  | 'region' // region id from /regions
  | 'boolean'

export interface FieldDescriptor {
  /** Key in the item and in the write body. */
  name: string
  type: FieldType
  dict?: DictName
  required?: boolean
  /** Part of the create/edit form (default true). `false`: computed by the server, shown only. */
  form?: boolean
  /** Shown as a table column (default false). */
  column?: boolean
  /** Item key holding the human label of an id (e.g. `enterprise_name` for `enterprise_id`). */
  display?: string
  /** Column width in px. */
  width?: number
  min?: number
  max?: number
  precision?: number
  maxLength?: number
  /** Default value of a new record. */
  default?: unknown
  /** Server masks it for callers without `pii.read` (edit keeps the stored value unless retyped). */
  pii?: boolean
  /** Upper-case the text as it is typed (plates, VINs, USCC). */
  upper?: boolean
  /** Takes a whole row in the form. */
  wide?: boolean
}

export interface FilterDescriptor {
  /** Query parameter name. */
  param: string
  type: 'select' | 'enterprise' | 'region' | 'boolean'
  dict?: DictName
  /** i18n key of the label. */
  label: string
  /** Custom labels of a boolean filter (true, false). */
  booleanLabels?: [string, string]
}

export interface CollectionDescriptor {
  collection: Collection
  /** Field naming a record in confirmations. */
  titleField: string
  fields: FieldDescriptor[]
  filters: FilterDescriptor[]
}

export const descriptors: Record<Collection, CollectionDescriptor> = {
  enterprises: {
    collection: 'enterprises',
    titleField: 'name',
    fields: [
      { name: 'name', type: 'text', required: true, column: true, maxLength: 100, wide: true },
      { name: 'uscc', type: 'text', required: true, column: true, maxLength: 18, upper: true, width: 200 },
      { name: 'business_types', type: 'multiselect', dict: 'business_types', required: true, column: true, wide: true },
      { name: 'licence_no', type: 'text', required: true, column: true, maxLength: 40 },
      { name: 'region_id', type: 'region', required: true, column: true, display: 'region_name' },
      { name: 'contact_name', type: 'text', required: true, column: true, maxLength: 40 },
      { name: 'contact_phone', type: 'text', required: true, column: true, maxLength: 20 },
      { name: 'address', type: 'text', maxLength: 200, wide: true },
      { name: 'vehicle_count', type: 'number', form: false, column: true, width: 90 },
    ],
    filters: [
      { param: 'region_id', type: 'region', label: 'fields.enterprises.region_id' },
      { param: 'business_type', type: 'select', dict: 'business_types', label: 'fields.enterprises.business_types' },
    ],
  },
  vehicles: {
    collection: 'vehicles',
    titleField: 'plate',
    fields: [
      { name: 'plate', type: 'text', required: true, column: true, maxLength: 8, upper: true, width: 110 },
      { name: 'plate_color', type: 'select', dict: 'plate_colors', required: true, column: true, width: 90 },
      { name: 'vin', type: 'text', required: true, column: true, maxLength: 17, upper: true, width: 190 },
      { name: 'vehicle_class', type: 'select', dict: 'vehicle_classes', required: true, column: true },
      { name: 'seats', type: 'number', column: true, min: 0, max: 100, precision: 0, width: 90 },
      { name: 'tonnage_kg', type: 'number', min: 0, max: 200000, precision: 0 },
      { name: 'transport_cert_no', type: 'text', required: true, maxLength: 40 },
      { name: 'enterprise_id', type: 'enterprise', required: true, column: true, display: 'enterprise_name', width: 200 },
      { name: 'status', type: 'select', dict: 'vehicle_statuses', required: true, column: true, default: 'active', width: 90 },
      { name: 'line_km', type: 'number', min: 1, max: 5000, precision: 0 },
      { name: 'terminal_phone', type: 'text', form: false, column: true, width: 140 },
    ],
    filters: [
      { param: 'enterprise_id', type: 'enterprise', label: 'fields.vehicles.enterprise_id' },
      { param: 'vehicle_class', type: 'select', dict: 'vehicle_classes', label: 'fields.vehicles.vehicle_class' },
      { param: 'status', type: 'select', dict: 'vehicle_statuses', label: 'fields.vehicles.status' },
      { param: 'region_id', type: 'region', label: 'fields.vehicles.region_id' },
    ],
  },
  drivers: {
    collection: 'drivers',
    titleField: 'name',
    fields: [
      { name: 'name', type: 'text', required: true, column: true, maxLength: 40 },
      { name: 'id_number', type: 'text', required: true, column: true, maxLength: 18, upper: true, pii: true, width: 190 },
      { name: 'phone', type: 'text', required: true, column: true, maxLength: 20 },
      { name: 'qualification_cert_no', type: 'text', required: true, column: true, maxLength: 40 },
      { name: 'enterprise_id', type: 'enterprise', required: true, column: true, display: 'enterprise_name', width: 200 },
      { name: 'vehicle_id', type: 'vehicle', column: true, display: 'plate' },
    ],
    filters: [{ param: 'enterprise_id', type: 'enterprise', label: 'fields.drivers.enterprise_id' }],
  },
  terminals: {
    collection: 'terminals',
    titleField: 'phone',
    fields: [
      { name: 'phone', type: 'text', required: true, column: true, maxLength: 20, width: 140 },
      { name: 'terminal_id', type: 'text', required: true, column: true, maxLength: 30 },
      { name: 'manufacturer', type: 'text', required: true, column: true, maxLength: 60 },
      { name: 'model', type: 'text', required: true, column: true, maxLength: 60 },
      { name: 'protocol_version', type: 'select', dict: 'protocol_versions', required: true, column: true, default: '2019', width: 100 },
      { name: 'enterprise_id', type: 'enterprise', required: true, column: true, display: 'enterprise_name', width: 200 },
      { name: 'vehicle_id', type: 'vehicle', column: true, display: 'plate' },
      { name: 'active', type: 'boolean', column: true, default: true, width: 80 },
    ],
    filters: [
      { param: 'enterprise_id', type: 'enterprise', label: 'fields.terminals.enterprise_id' },
      { param: 'bound', type: 'boolean', label: 'fields.terminals.bound', booleanLabels: ['registry.bound', 'registry.unbound'] },
    ],
  },
}

export const collections = Object.keys(descriptors) as Collection[]

export function labelKey(collection: Collection, field: string): string {
  return `fields.${collection}.${field}`
}
