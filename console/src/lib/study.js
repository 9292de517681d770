// What the screens of 党支部 and 学习与活动 work out from the API's answers: plain functions,
// tested on their own. `label(list, code)` turns codes into Chinese (lib/dictionaries.js).
import { options } from './dictionaries.js'
import { date, daysUntil } from './format.js'

// a branch's term: the words and how loud to say them (no term, overdue, ending within six months)
export function termNote(branch, label, on) {
  if (!branch?.term_ends_on) return { text: '尚未选举支部班子', short: '尚未选举支部班子', tone: 'danger' }
  const state = branch.term_state
  const days = daysUntil(branch.term_ends_on, on)
  const ends = date(branch.term_ends_on)
  if (state === 'overdue') return { text: `${label('term_state', state)}：${ends}届满，已过 ${-days} 天`, short: `${label('term_state', state)}，已过 ${-days} 天`, tone: 'danger' }
  if (state === 'expiring') return { text: `${label('term_state', state)}：${ends}届满，还有 ${days} 天`, short: `${label('term_state', state)}，还有 ${days} 天`, tone: 'danger' }
  return { text: `${ends}届满`, short: label('term_state', state), tone: '' }
}

// the seats typed in the 换届 dialog -> the body's committee (rows without a member left out)
export function committeeBody(rows) {
  return rows.filter((r) => r.member_id).map((r) => ({ member_id: r.member_id, role: r.role }))
}

// seats in the order of the role list (书记 first), then by name
export function bySeat(committee, roleCodes) {
  const rank = (role) => { const i = roleCodes.indexOf(role); return i < 0 ? roleCodes.length : i }
  return [...(committee || [])].sort((a, b) => rank(a.role) - rank(b.role) || String(a.name).localeCompare(String(b.name), 'zh'))
}

// a session's attendance: who was absent, and of them who has not caught up yet
export function absentees(session) {
  return (session?.attendance || []).filter((a) => !a.attended)
}
export const notCaughtUp = (session) => absentees(session).filter((a) => !a.catch_up_method)

// the study-session body: every ticked member attends; the branch's others are recorded absent by the API
export function sessionBody(form, ticked) {
  const materials = String(form.materials || '').split(/\n+/).map((m) => m.trim()).filter(Boolean)
  return { branch_id: form.branch_id, date: form.date, topic: String(form.topic || '').trim(), materials, attendees: [...ticked] }
}

// one study-compliance answer -> 12 cells: the month, its status, and whether it is to be shown red
export function complianceCells(compliance) {
  return Array.from({ length: 12 }, (_, i) => {
    const found = (compliance?.months || []).find((m) => m.month === i + 1)
    const status = found?.status || 'future'
    return { month: i + 1, status, missing: status === 'missing', sessions: found?.sessions?.length || 0 }
  })
}

// a contact's "learned" -> one line, each topic named
// the topics, as [code, label], from the API's list contact_learned
export const learnedTopics = (lists) => options('contact_learned', lists).map((o) => [o.value, o.label])
export function learnedText(learned, topics = learnedTopics()) {
  return topics.filter(([key]) => learned?.[key]).map(([key, name]) => `${name}：${learned[key]}`).join('；') || '—'
}

// the non-empty topics of the contact form (the API wants at least one)
export function learnedBody(form, topics = learnedTopics()) {
  const out = {}
  for (const [key] of topics) if (String(form[key] || '').trim()) out[key] = String(form[key]).trim()
  return out
}

// coverage's per-branch counts -> the share contacted, as a percentage (100 with no members)
export function coverageShare(counts) {
  if (!counts?.active_members) return 100
  return Math.round((counts.contacted / counts.active_members) * 100)
}

// bulletin items typed in rows -> the body's items (empty rows left out; a link or a text each)
export function bulletinItems(rows) {
  return rows.filter((r) => String(r.title || '').trim()).map((r) => {
    const item = { title: r.title.trim(), kind: r.kind }
    const content = String(r.content || '').trim()
    if (/^https?:\/\//.test(content)) item.link = content
    else if (content) item.text = content
    return item
  })
}

// weeks without a bulletin -> "第3周（1月13日—1月19日）"
export function weekText(week) {
  const short = (d) => date(d).replace(/^\d+年/, '')
  return `第${week.week}周（${short(week.monday)}—${short(week.sunday)}）`
}

// venues: one still in use has no end day, or one not reached yet
export const inUse = (venue, on) => !venue.until || venue.until >= on
