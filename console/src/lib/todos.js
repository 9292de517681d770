// A to-do item (待办) and where its work is done: `subject` names the work ("visit_task:34",
// "help_case:7", "term:9" …); the link opens the screen where a person does it.
import { reactive } from 'vue'
import { get } from './api.js'

export function workLink(item) {
  const [kind, ...rest] = (item.subject || '').split(':')
  switch (kind) {
    case 'visit_task':
    case 'event': // a hospitalization: its visit is on the board, the member's tasks when we know whose
      return { path: '/care', query: item.member_id ? { tab: 'visits', member_id: String(item.member_id) } : { tab: 'visits' } }
    case 'help_case':
      return { path: '/care', query: { tab: 'help' } }
    case 'festival': // "festival:<festival>:<year>": that year's festivals
      return { path: '/care', query: rest[1] ? { tab: 'festivals', year: rest[1] } : { tab: 'festivals' } }
    case 'subsidy_check':
      return { path: '/funding', query: { tab: 'subsidies' } }
    case 'expense':
      return { path: '/funding', query: { tab: 'refused' } }
    case 'term':
      return item.branch_id ? { path: `/branches/${item.branch_id}` } : { path: '/branches' }
    case 'import':
      return { path: '/members' }
    default:
      return item.member_id ? { path: `/members/${item.member_id}` } : null
  }
}

// days past the due date on `today` (YYYY-MM-DD strings); 0 when not past or no date
export function daysLate(dueDate, today) {
  if (!dueDate) return 0
  const days = Math.round((Date.parse(today) - Date.parse(dueDate)) / 86400000)
  return days > 0 ? days : 0
}

// the day `days` after `today`, as YYYY-MM-DD (a snooze's default)
export function daysAfter(today, days) {
  const moment = new Date(Date.parse(today) + days * 86400000)
  return moment.toISOString().slice(0, 10)
}

export const SNOOZE_DAYS = 90 // as the API allows

// whether an item may be snoozed until `day` (YYYY-MM-DD): after today, at most SNOOZE_DAYS on
export function snoozeAllowed(day, today) {
  return Boolean(day) && day > today && day <= daysAfter(today, SNOOZE_DAYS)
}

// a date picker's Date (local midnight) as YYYY-MM-DD
export function dayOf(moment) {
  const pad = (n) => String(n).padStart(2, '0')
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`
}

// how many open items the account has (the header's badge), refreshed with one small request
export const badge = reactive({ open: 0 })

export async function refreshBadge() {
  const answer = await get('/todos', { page_size: 1 })
  badge.open = answer.counts?.open ?? answer.total
  return badge.open
}
