/**
 * Hash routing (the backend serves one index.html at `/`). The guard asks `/auth/me` once,
 * sends anonymous users to the login page and users without a page's permission to the first
 * page they may open.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { ElMessage } from 'element-plus'
import { setUnauthorizedHandler } from '@/api/http'
import type { Permission } from '@/api/types'
import { useAuth } from '@/composables/useAuth'
import { i18n } from '@/i18n'
import { nav } from './nav'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    permission?: Permission
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('@/views/LayoutView.vue'),
    children: [
      { path: '', name: 'home', component: { render: () => null } },
      ...(['enterprises', 'vehicles', 'drivers', 'terminals'] as const).map(
        (c): RouteRecordRaw => ({
          path: c,
          name: c,
          component: () => import('@/views/RegistryView.vue'),
          props: { collection: c },
          meta: { permission: 'registry.read' },
        }),
      ),
      { path: 'dashboard', name: 'dashboard', component: () => import('@/views/DashboardView.vue'), meta: { permission: 'registry.read' } },
      { path: 'live', name: 'live', component: () => import('@/views/LiveView.vue'), meta: { permission: 'registry.read' } },
      { path: 'playback', name: 'playback', component: () => import('@/views/PlaybackView.vue'), meta: { permission: 'registry.read' } },
      { path: 'alarms', name: 'alarms', component: () => import('@/views/AlarmsView.vue'), meta: { permission: 'alarm.read' } },
      {
        path: 'alarms/stats',
        name: 'alarm-stats',
        component: () => import('@/views/AlarmStatsView.vue'),
        meta: { permission: 'alarm.read' },
      },
      {
        path: 'indicators',
        name: 'indicators',
        component: () => import('@/views/IndicatorsView.vue'),
        meta: { permission: 'registry.read' },
      },
      {
        path: 'figures',
        name: 'figures',
        component: () => import('@/views/FiguresView.vue'),
        meta: { permission: 'registry.read' },
      },
      {
        path: 'report',
        name: 'report',
        component: () => import('@/views/ReportView.vue'),
        meta: { permission: 'registry.read' },
      },
      {
        path: 'alarms/:id(\\d+)',
        name: 'alarm',
        component: () => import('@/views/AlarmDetailView.vue'),
        props: (r) => ({ id: Number(r.params.id) }),
        meta: { permission: 'alarm.read' },
      },
      {
        path: 'records/:group([a-z_]+)',
        name: 'records',
        component: () => import('@/views/RecordsView.vue'),
        props: (r) => ({ group: String(r.params.group) }),
        meta: { permission: 'registry.read' },
      },
      { path: 'cases', name: 'cases', component: () => import('@/views/CasesView.vue'), meta: { permission: 'alarm.read' } },
      { path: 'rules', name: 'rules', component: () => import('@/views/RuleSettingsView.vue'), meta: { permission: 'rules.manage' } },
      {
        path: 'geofences',
        name: 'geofences',
        component: () => import('@/views/GeofencesView.vue'),
        meta: { permission: 'rules.manage' },
      },
      { path: 'users', name: 'users', component: () => import('@/views/UsersView.vue'), meta: { permission: 'users.manage' } },
      { path: 'tokens', name: 'tokens', component: () => import('@/views/TokensView.vue') },
      { path: 'audit', name: 'audit', component: () => import('@/views/AuditView.vue'), meta: { permission: 'audit.read' } },
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue') },
    ],
  },
]

export const router = createRouter({
  history: createWebHashHistory(),
  routes,
})

/** First menu page the user may open. */
function homePath(can: (p: Permission) => boolean): string {
  for (const g of nav)
    for (const it of g.items) if ((!it.permission || can(it.permission)) && (!it.visible || it.visible())) return it.path
  return '/tokens'
}

router.beforeEach(async (to) => {
  const auth = useAuth()
  let u = null
  try {
    u = await auth.ensureLoaded()
  } catch {
    u = null // server unreachable: the login page will show the error on submit
  }
  if (to.meta.public) {
    return u && to.name === 'login' ? homePath(auth.can) : true
  }
  if (!u) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (to.name === 'home') return homePath(auth.can)
  if (to.meta.permission && !auth.can(to.meta.permission)) {
    ElMessage.warning(i18n.global.t('error.forbidden'))
    return homePath(auth.can)
  }
  return true
})

let redirecting = false
setUnauthorizedHandler(() => {
  const auth = useAuth()
  const wasSignedIn = auth.isAuthenticated.value
  auth.clear()
  const current = router.currentRoute.value
  if (current.meta.public || redirecting) return
  redirecting = true
  if (wasSignedIn) ElMessage.warning(i18n.global.t('error.sessionExpired'))
  void router.replace({ name: 'login', query: { redirect: current.fullPath } }).finally(() => {
    redirecting = false
  })
})
