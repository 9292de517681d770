import { describe, expect, it } from 'vitest'
import { dayOf, daysAfter, daysLate, snoozeAllowed, workLink } from '../src/lib/todos.js'

describe('workLink', () => {
  it('opens the screen where each kind of work is done', () => {
    expect(workLink({ subject: 'visit_task:34' })).toEqual({ path: '/care', query: { tab: 'visits' } })
    expect(workLink({ subject: 'visit_task:34', member_id: 12 })).toEqual({ path: '/care', query: { tab: 'visits', member_id: '12' } })
    expect(workLink({ subject: 'event:6f1c', member_id: 12 })).toEqual({ path: '/care', query: { tab: 'visits', member_id: '12' } })
    expect(workLink({ subject: 'help_case:7' })).toEqual({ path: '/care', query: { tab: 'help' } })
    expect(workLink({ subject: 'festival:spring_festival:2027' })).toEqual({ path: '/care', query: { tab: 'festivals', year: '2027' } })
    expect(workLink({ subject: 'festival:spring_festival' })).toEqual({ path: '/care', query: { tab: 'festivals' } })
    expect(workLink({ subject: 'subsidy_check:5' })).toEqual({ path: '/funding', query: { tab: 'subsidies' } })
    expect(workLink({ subject: 'expense:visit:12' })).toEqual({ path: '/funding', query: { tab: 'refused' } })
    expect(workLink({ subject: 'term:9', branch_id: 4 })).toEqual({ path: '/branches/4' })
    expect(workLink({ subject: 'term:9' })).toEqual({ path: '/branches' })
    expect(workLink({ subject: 'import:3' })).toEqual({ path: '/members' })
  })
  it('falls back on the member, else nowhere', () => {
    expect(workLink({ subject: 'something:1', member_id: 8 })).toEqual({ path: '/members/8' })
    expect(workLink({ subject: 'something:1' })).toBeNull()
    expect(workLink({})).toBeNull()
  })
})

describe('days', () => {
  it('counts the days past a due date, none before it or without one', () => {
    expect(daysLate('2026-12-01', '2026-12-05')).toBe(4)
    expect(daysLate('2026-12-05', '2026-12-05')).toBe(0)
    expect(daysLate('2026-12-09', '2026-12-05')).toBe(0)
    expect(daysLate(null, '2026-12-05')).toBe(0)
  })
  it('gives the day a snooze ends, across a month and a year', () => {
    expect(daysAfter('2026-12-30', 3)).toBe('2027-01-02')
    expect(daysAfter('2026-02-27', 3)).toBe('2026-03-02')
  })
})

describe('snoozing', () => {
  it('allows a day after today and at most 90 days on', () => {
    expect(snoozeAllowed('2026-12-06', '2026-12-05')).toBe(true)
    expect(snoozeAllowed('2027-03-05', '2026-12-05')).toBe(true) // the 90th day
    expect(snoozeAllowed('2027-03-06', '2026-12-05')).toBe(false)
    expect(snoozeAllowed('2026-12-05', '2026-12-05')).toBe(false)
    expect(snoozeAllowed('2026-12-01', '2026-12-05')).toBe(false)
    expect(snoozeAllowed(null, '2026-12-05')).toBe(false)
  })
  it("reads a date picker's day in local time", () => {
    expect(dayOf(new Date(2027, 0, 2))).toBe('2027-01-02')
  })
})
