import { describe, expect, it } from 'vitest'
import { label } from '../src/lib/dictionaries.js'
import { reasonsOf, fieldErrors } from '../src/lib/text.js'
import {
  absentees, bulletinItems, bySeat, committeeBody, complianceCells, coverageShare, inUse, learnedBody, learnedText, learnedTopics,
  notCaughtUp, sessionBody, termNote, weekText,
} from '../src/lib/study.js'

const LISTS = { term_state: [{ code: 'current', label: '任期内' }, { code: 'expiring', label: '即将届满' }, { code: 'overdue', label: '换届逾期' }] }
const labelOf = (list, code) => label(list, code, LISTS)

describe('a branch term', () => {
  it('is red when overdue or ending within six months, plain otherwise, red with no term', () => {
    expect(termNote({ term_ends_on: '2026-01-31', term_state: 'overdue' }, labelOf, '2026-03-02'))
      .toEqual({ text: '换届逾期：2026年1月31日届满，已过 30 天', short: '换届逾期，已过 30 天', tone: 'danger' })
    expect(termNote({ term_ends_on: '2026-05-01', term_state: 'expiring' }, labelOf, '2026-04-01'))
      .toEqual({ text: '即将届满：2026年5月1日届满，还有 30 天', short: '即将届满，还有 30 天', tone: 'danger' })
    expect(termNote({ term_ends_on: '2028-05-01', term_state: 'current' }, labelOf, '2026-04-01')).toEqual({ text: '2028年5月1日届满', short: '任期内', tone: '' })
    expect(termNote({ term_ends_on: null, term_state: null }, labelOf).tone).toBe('danger')
  })
  it('sends only the seats with a member, and lists the secretary first', () => {
    expect(committeeBody([{ member_id: 3, role: 'secretary', extra: 1 }, { member_id: null, role: 'member' }])).toEqual([{ member_id: 3, role: 'secretary' }])
    const roles = ['secretary', 'deputy_secretary', 'organization', 'member']
    expect(bySeat([{ role: 'member', name: '乙' }, { role: 'secretary', name: '甲' }, { role: 'organization', name: '丙' }], roles).map((s) => s.name))
      .toEqual(['甲', '丙', '乙'])
  })
})

describe('study', () => {
  const session = { attendance: [
    { member_id: 1, attended: true }, { member_id: 2, attended: false, catch_up_method: 'home_delivery' },
    { member_id: 3, attended: false, catch_up_method: null }] }
  it('finds the absentees and those still to catch up', () => {
    expect(absentees(session).map((a) => a.member_id)).toEqual([2, 3])
    expect(notCaughtUp(session).map((a) => a.member_id)).toEqual([3])
    expect(absentees(null)).toEqual([])
  })
  it('builds the session body: materials one a line, the ticked members attend', () => {
    expect(sessionBody({ branch_id: 4, date: '2026-03-05', topic: ' 学习 ', materials: '材料一\n\n 材料二 ' }, [7, 8]))
      .toEqual({ branch_id: 4, date: '2026-03-05', topic: '学习', materials: ['材料一', '材料二'], attendees: [7, 8] })
  })
  it('gives twelve months, the missing ones to be shown red', () => {
    const cells = complianceCells({ months: [{ month: 1, status: 'held', sessions: [{}] }, { month: 2, status: 'missing', sessions: [] }] })
    expect(cells).toHaveLength(12)
    expect(cells[0]).toEqual({ month: 1, status: 'held', missing: false, sessions: 1 })
    expect(cells[1].missing).toBe(true)
    expect(cells[11].status).toBe('future')
  })
})

describe('contacts, bulletins, venues', () => {
  it('writes and sends what was learned, topic by topic', () => {
    const topics = learnedTopics({ contact_learned: [{ code: 'thoughts', label: '思想' }, { code: 'study', label: '学习' },
      { code: 'life', label: '生活' }, { code: 'opinions', label: '意见建议' }] })
    expect(learnedText({ thoughts: '稳定', life: '' , opinions: '多组织活动' }, topics)).toBe('思想：稳定；意见建议：多组织活动')
    expect(learnedText({}, topics)).toBe('—')
    expect(learnedBody({ thoughts: ' 稳定 ', study: '  ', life: '', opinions: '' }, topics)).toEqual({ thoughts: '稳定' })
  })
  it('gives the share of a branch contacted', () => {
    expect(coverageShare({ active_members: 4, contacted: 3 })).toBe(75)
    expect(coverageShare({ active_members: 0, contacted: 0 })).toBe(100)
  })
  it('turns the rows of a bulletin into items: a link, or a text', () => {
    expect(bulletinItems([{ title: '党课', kind: 'video', content: 'https://x.cn/1' }, { title: '通知', kind: 'notice', content: '周三开会' },
      { title: ' ', kind: 'article', content: '' }]))
      .toEqual([{ title: '党课', kind: 'video', link: 'https://x.cn/1' }, { title: '通知', kind: 'notice', text: '周三开会' }])
    expect(weekText({ week: 3, monday: '2026-01-12', sunday: '2026-01-18' })).toBe('第3周（1月12日—1月18日）')
  })
  it('tells a venue in use', () => {
    expect(inUse({ until: null }, '2026-03-01')).toBe(true)
    expect(inUse({ until: '2026-02-01' }, '2026-03-01')).toBe(false)
  })
})

describe('nested reasons', () => {
  it('reads rows of a list and a nested form in Chinese', () => {
    expect(reasonsOf({ 0: { role: ['应为以下之一 (one of)'] } })).toEqual(['第1条：应为以下之一'])
    expect(fieldErrors({ fields: { learned: { _schema: ['至少填写一项了解到的情况 (at least one)'] } } }))
      .toEqual({ learned: '至少填写一项了解到的情况' })
  })
})
