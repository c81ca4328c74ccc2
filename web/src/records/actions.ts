/**
 * Extra actions of particular registers, on top of the generic register pages. A register
 * listed here may have
 * - `drawer`: a component shown in the detail drawer above the fields, with props
 *   `{ register, row, writable }`, emitting `changed` when the row changed on the server;
 * - `toolbar`: a component shown in the list's toolbar, with props `{ register, writable }`,
 *   emitting `changed` when the list should reload;
 * - `locked`: fields a workflow owns, hidden in the form when creating and read-only when
 *   editing (the server rejects changes to them).
 * Registers not listed here get the generic pages only.
 */
import { defineAsyncComponent, type Component } from 'vue'

export interface RegisterActions {
  drawer?: Component
  toolbar?: Component
  locked?: readonly string[]
}

const ACTIONS: Record<string, RegisterActions> = {
  annual_reviews: {
    drawer: defineAsyncComponent(() => import('@/components/records/actions/AnnualReviewActions.vue')),
    locked: ['status', 'checked_by', 'decided_on', 'reject_reason', 'valid_until'],
  },
  bus_routes: {
    toolbar: defineAsyncComponent(() => import('@/components/records/actions/GtfsActions.vue')),
  },
}

/** The extra actions of a register, or null. */
export function registerActions(key: string): RegisterActions | null {
  return ACTIONS[key] ?? null
}

/** The fields of a register that only its workflow changes. */
export function lockedFields(key: string): ReadonlySet<string> {
  return new Set(ACTIONS[key]?.locked ?? [])
}
