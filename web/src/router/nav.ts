/** The side menu: groups of pages, each with the permission it needs (absent: any signed-in user). */
import type { Permission } from '@/api/types'
import { RECORD_GROUPS, useRecordsSchema } from '@/records/schema'

export interface NavItem {
  path: string
  /** i18n key of the label. */
  label: string
  /** data-testid of the menu item. */
  testid: string
  permission?: Permission
  /** Shown only while this says so (reactive; e.g. a register group the user may read). */
  visible?: () => boolean
}

export interface NavGroup {
  key: string
  label: string
  items: NavItem[]
}

export const nav: NavGroup[] = [
  {
    key: 'supervision',
    label: 'menu.supervision',
    items: [
      { path: '/dashboard', label: 'menu.dashboard', testid: 'menu-dashboard', permission: 'registry.read' },
      { path: '/live', label: 'menu.live', testid: 'menu-live', permission: 'registry.read' },
      { path: '/playback', label: 'menu.playback', testid: 'menu-playback', permission: 'registry.read' },
      { path: '/alarms', label: 'menu.alarms', testid: 'menu-alarms', permission: 'alarm.read' },
      { path: '/alarms/stats', label: 'menu.alarmStats', testid: 'menu-alarm-stats', permission: 'alarm.read' },
      { path: '/indicators', label: 'menu.indicators', testid: 'menu-indicators', permission: 'registry.read' },
      { path: '/cases', label: 'menu.cases', testid: 'menu-cases', permission: 'alarm.read' },
      { path: '/rules', label: 'menu.rules', testid: 'menu-rules', permission: 'rules.manage' },
      { path: '/geofences', label: 'menu.geofences', testid: 'menu-geofences', permission: 'rules.manage' },
    ],
  },
  {
    key: 'registry',
    label: 'menu.registry',
    items: [
      { path: '/enterprises', label: 'menu.enterprises', testid: 'menu-enterprises', permission: 'registry.read' },
      { path: '/vehicles', label: 'menu.vehicles', testid: 'menu-vehicles', permission: 'registry.read' },
      { path: '/drivers', label: 'menu.drivers', testid: 'menu-drivers', permission: 'registry.read' },
      { path: '/terminals', label: 'menu.terminals', testid: 'menu-terminals', permission: 'registry.read' },
    ],
  },
  {
    // 业务台账: one page per register group; a group shows once the schema lists one of its
    // registers for the user (`GET /records/schema`).
    key: 'records',
    label: 'menu.records',
    items: [
      // 统计分析: figures computed from the registers; shown once the schema lists `projects`.
      {
        path: '/figures',
        label: 'fig.menu',
        testid: 'menu-figures',
        permission: 'registry.read',
        visible: () => useRecordsSchema().groupVisible('projects') && !!useRecordsSchema().schema.value?.registers.some((r) => r.key === 'projects'),
      },
      // 工作总结: the half-year report from the registers; same rule as 统计分析 (bureau users).
      {
        path: '/report',
        label: 'report.menu',
        testid: 'menu-report',
        permission: 'registry.read',
        visible: () => useRecordsSchema().groupVisible('projects') && !!useRecordsSchema().schema.value?.registers.some((r) => r.key === 'projects'),
      },
      ...RECORD_GROUPS.map(
        (g): NavItem => ({
          path: `/records/${g}`,
          label: `rec.groups.${g}`,
          testid: `menu-rec-${g}`,
          permission: 'registry.read',
          visible: () => useRecordsSchema().groupVisible(g),
        }),
      ),
    ],
  },
  {
    key: 'system',
    label: 'menu.system',
    items: [
      { path: '/users', label: 'menu.users', testid: 'menu-users', permission: 'users.manage' },
      { path: '/tokens', label: 'menu.tokens', testid: 'menu-tokens' },
      { path: '/audit', label: 'menu.audit', testid: 'menu-audit', permission: 'audit.read' },
    ],
  },
]
