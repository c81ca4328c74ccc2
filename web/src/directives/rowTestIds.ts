/**
 * `v-row-testids` on an el-table: el-table cannot put attributes on its rows, so rows get the
 * class `tt-row-<id>` (via `row-class-name`) and this directive copies it into
 * `data-testid="row-<id>"` whenever the table body changes. A value changes the prefix:
 * `v-row-testids="'alarm-row-'"` gives `alarm-row-<id>`.
 */
import type { Directive } from 'vue'

const observers = new WeakMap<HTMLElement, MutationObserver>()

function apply(el: HTMLElement, prefix: string): void {
  el.querySelectorAll<HTMLElement>('tr[class*="tt-row-"]').forEach((tr) => {
    const m = /(?:^|\s)tt-row-(\S+)/.exec(tr.className)
    if (m && tr.dataset.testid !== `${prefix}${m[1]}`) tr.dataset.testid = `${prefix}${m[1]}`
  })
}

export const vRowTestids: Directive<HTMLElement, string | undefined> = {
  mounted(el, binding) {
    const prefix = binding.value || 'row-'
    apply(el, prefix)
    const mo = new MutationObserver(() => apply(el, prefix))
    mo.observe(el, { childList: true, subtree: true, attributes: true, attributeFilter: ['class'] })
    observers.set(el, mo)
  },
  unmounted(el) {
    observers.get(el)?.disconnect()
    observers.delete(el)
  },
}

export function rowClass({ row }: { row: { id: unknown } }): string {
  return `tt-row-${String(row.id)}`
}
