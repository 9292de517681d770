// A member's whole story on one line of time: each record the services keep about them,
// newest first. `label(list, code)` turns codes into Chinese (lib/dictionaries.js).
import { money } from './format.js'

const ENTRIES = {
  history: (h, label) => h.field === '*'
    ? { date: h.changed_at, kind: 'roster', title: label('history_reason', h.reason), detail: `经办：${h.changed_by}` }
    : h.field === 'withdrawn' // 撤销误录: its reason, not the record's JSON
      ? { date: h.changed_at, kind: 'roster', title: label('history_reason', h.reason), tone: 'danger',
        detail: `原因：${h.new_value?.reason || '—'}（经办：${h.changed_by}）` }
      : { date: h.changed_at, kind: 'roster', title: `${label('history_reason', h.reason)}：${label('member_field', h.field)}`,
      detail: `${show(h.old_value)} → ${show(h.new_value)}（经办：${h.changed_by}）` },
  health: (e, label) => ({ date: e.date, kind: 'health', title: label('health_event_kind', e.kind),
    detail: [e.hospital, e.ward, e.note].filter(Boolean).join('，'), tone: 'danger' }),
  visits: (t, label) => t.visit
    ? { date: t.visit.visited_on, kind: 'care', title: `走访：${label('visit_cause', t.cause)}`,
      detail: [t.visit.visitors?.join('、'), t.visit.notes, t.visit.cash && `慰问金 ${money(t.visit.cash)}`,
        t.visit.goods_value && `慰问品 ${money(t.visit.goods_value)}`].filter(Boolean).join('，'), tone: 'success' }
    : { date: t.cause_date || t.due_date, kind: 'care', title: `走访任务：${label('visit_cause', t.cause)}`,
      detail: `${t.reason || ''}（${label('visit_task_status', t.status)}，应于 ${t.due_date} 前）`, tone: t.status === 'overdue' ? 'danger' : 'warning' },
  pairings: (p, label) => ({ date: p.started_on, kind: 'care', title: `结对帮扶：${p.helper_name || ''}`,
    detail: [label('pairing_reason', p.reason), p.note, p.ended_on && `${p.ended_on} 结束${p.end_reason ? `（${p.end_reason}）` : ''}`].filter(Boolean).join('，') }),
  helpCases: (c, label) => ({ date: c.opened_on, kind: 'care', title: `帮扶事项：${c.title}`,
    detail: [label('help_case_status', c.status), c.closed_on && `${c.closed_on} 办结`, c.result].filter(Boolean).join('，') }),
  subsidies: (s, label) => ({ date: s.event_date, kind: 'money', title: `困难补助核查：${label('subsidy_status', s.status)}`,
    detail: [s.eligible ? `应补助 ${money(s.amount)}` : '不符合条件', s.reason].filter(Boolean).join('，') }),
  dues: (d) => ({ date: d.paid_on, kind: 'money', title: `缴纳党费 ${d.year}年${d.month}月`, detail: money(d.amount) }),
  absences: (a, label) => ({ date: a.date, kind: 'study', title: `缺席集体学习：${a.topic}`,
    detail: a.catch_up_on ? `${a.catch_up_on} ${label('catch_up_method', a.catch_up_method)}补学` : '尚未补学',
    tone: a.catch_up_on ? undefined : 'warning' }),
  contacts: (c, label) => ({ date: c.date, kind: 'study', title: `联系：${label('contact_level', c.level)}`,
    detail: `${c.contact_by}，${label('contact_channel', c.channel)}` }),
  honors: (h, label) => ({ date: `${h.year}-12-31`, kind: 'honor', title: `表彰：${h.title}`,
    detail: [label('honor_level', h.level), h.awarded_by].filter(Boolean).join('，'), tone: 'success', yearOnly: true }),
  transfers: (t, label) => ({ date: t.date, kind: 'roster', title: `组织关系转接：${label('transfer_target', t.target)}`,
    detail: [t.to_community, t.note].filter(Boolean).join('，') }),
  engagements: (m, label) => ({ date: m.date, kind: 'study', title: `参加论证会：${m.topic}`, detail: label('review_meeting_kind', m.kind) }),
}

function show(value) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return '空'
  if (Array.isArray(value)) return value.join('、')
  if (value === true) return '是'
  if (value === false) return '否'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export const KIND_LABELS = { roster: '名册', health: '健康', care: '关爱', money: '经费', study: '学习联系', honor: '表彰' }

export function timeline(parts, label = (list, code) => code) {
  const entries = []
  for (const [part, records] of Object.entries(parts)) {
    const make = ENTRIES[part]
    if (!make) continue
    for (const record of records || []) {
      const entry = make(record, label)
      if (entry.date) entries.push({ ...entry, day: String(entry.date).slice(0, 10), source: part })
    }
  }
  return entries.sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0))
}
