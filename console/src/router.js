// The screens, by business area as the sidebar shows them; `roles` as the API allows them.
import { createRouter, createWebHashHistory } from 'vue-router'
import { whenUnauthorized } from './lib/api.js'
import { loadDictionaries } from './lib/dictionaries.js'
import { loggedIn, MONEY_READERS, OFFICE, role } from './lib/session.js'
import Layout from './views/Layout.vue'

const ALL = ['admin', 'staff', 'secretary', 'viewer', 'approver']

export const SCREENS = [
  { path: '/', name: 'dashboard', title: '工作台', icon: 'House', component: () => import('./views/Dashboard.vue') },
  { path: '/todos', name: 'todos', title: '待办', icon: 'Bell', component: () => import('./views/todos/TodoList.vue') },
  { path: '/members', name: 'members', title: '党员名册', icon: 'User', component: () => import('./views/members/MemberList.vue') },
  { path: '/branches', name: 'branches', title: '党支部', icon: 'OfficeBuilding', component: () => import('./views/branches/BranchesPage.vue') },
  { path: '/study', name: 'study', title: '学习与活动', icon: 'Reading', component: () => import('./views/study/StudyPage.vue') },
  { path: '/care', name: 'care', title: '关爱', icon: 'FirstAidKit', component: () => import('./views/care/CarePage.vue') },
  { path: '/funding', name: 'funding', title: '经费', icon: 'Wallet', component: () => import('./views/funding/FundingPage.vue') },
  { path: '/reports', name: 'reports', title: '报表', icon: 'Document', component: () => import('./views/reports/ReportsPage.vue') },
  { path: '/accounts', name: 'accounts', title: '账号管理', icon: 'Key', roles: ['admin'], component: () => import('./views/accounts/AccountsPage.vue') },
  { path: '/notifications', name: 'notifications', title: '通知设置', icon: 'Message', roles: ['admin', 'staff'], component: () => import('./views/notifications/NotificationsPage.vue') },
]

const HIDDEN = [
  { path: '/members/:id(\\d+)', name: 'member', title: '党员详情', component: () => import('./views/members/MemberPage.vue'), props: true },
  { path: '/branches/:id(\\d+)', name: 'branch', title: '党支部', component: () => import('./views/branches/BranchPage.vue'), props: true },
]

export const allowed = (screen, who = role()) => (screen.roles || ALL).includes(who)

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginPage.vue'), meta: { title: '登录', public: true } },
    {
      path: '/', component: Layout,
      children: [...SCREENS, ...HIDDEN].map(({ title, roles, icon, ...route }) => ({ ...route, meta: { title, roles, icon } })),
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!loggedIn()) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (to.meta.roles && !to.meta.roles.includes(role())) return { name: 'dashboard' }
  await loadDictionaries().catch(() => {}) // a screen shows codes until they come
  return true
})

router.afterEach((to) => { document.title = `${to.meta.title || ''}${to.meta.title ? ' · ' : ''}五基` })

whenUnauthorized(() => {
  const here = router.currentRoute.value
  if (here.name !== 'login') router.push({ name: 'login', query: { next: here.fullPath, expired: '1' } })
})

export { MONEY_READERS, OFFICE }
