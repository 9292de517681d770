import { describe, expect, it } from 'vitest'
import { accountChanges, newAccountBody } from '../src/lib/accounts.js'
import { byAssignee, previewText, resultText, ruleText } from '../src/lib/festivals.js'
import { allocationRows, duesFixedLines, monthsText, policyBody } from '../src/lib/funding.js'
import { timeline } from '../src/lib/timeline.js'

describe('accounts', () => {
  it('sends branches only for a secretary', () => {
    expect(newAccountBody({ username: ' li ', password: 'p', role: 'secretary', display_name: '', branch_ids: [3] }))
      .toEqual({ username: 'li', password: 'p', role: 'secretary', branch_ids: [3] })
    expect(newAccountBody({ username: 'wang', password: 'p', role: 'staff', display_name: '王芳', branch_ids: [3] }))
      .toEqual({ username: 'wang', password: 'p', role: 'staff', display_name: '王芳' })
  })
  it('changes only what changed; leaving secretary drops the branches', () => {
    const account = { role: 'secretary', display_name: '李明', branch_ids: [2, 1] }
    expect(accountChanges(account, { role: 'secretary', display_name: '李明', branch_ids: [1, 2] })).toEqual({})
    expect(accountChanges(account, { role: 'secretary', display_name: '李明 ', branch_ids: [1] })).toEqual({ branch_ids: [1] })
    expect(accountChanges(account, { role: 'viewer', display_name: '李明', branch_ids: [1, 2] })).toEqual({ role: 'viewer', branch_ids: [] })
    expect(accountChanges({ role: 'staff', display_name: null, branch_ids: [] }, { role: 'secretary', display_name: '张', branch_ids: [4] }))
      .toEqual({ role: 'secretary', display_name: '张', branch_ids: [4] })
  })
})

describe('festival batches', () => {
  it('says how many the rule selects and how many get a task', () => {
    expect(previewText({ selected: 5, to_create: 5 })).toBe('按这条规则选中 5 位党员，将为其中 5 位生成走访任务。')
    expect(previewText({ selected: 5, to_create: 2 })).toBe('按这条规则选中 5 位党员，将为其中 2 位生成走访任务（另有 3 位已有任务，不再重复）。')
    expect(previewText({ selected: 3, to_create: 0 })).toContain('都已有本次慰问的走访任务')
    expect(previewText({ selected: 0, to_create: 0 })).toBe('按这条规则，没有选中任何党员。')
    expect(resultText({ created: 4 })).toBe('已生成 4 项走访任务。')
    expect(resultText({ created: 0 })).toContain('没有生成')
  })
  it('says whom a rule selects', () => {
    const labels = { lives_alone: '独居', hardship: '生活困难', children_away: '子女不在身边' }
    const label = (list, code) => (list === 'pairing_reason' ? labels[code] : code)
    expect(ruleText({ min_age: 80, lives_alone: true, hardship: true, children_away: false }, label)).toBe('年满80岁，或独居，或生活困难')
    expect(ruleText({ min_age: null, lives_alone: false, hardship: false, children_away: true }, label)).toBe('子女不在身边')
    expect(ruleText({ min_age: null }, label)).toBe('不选任何人')
  })
  it('lists the tasks per assignee, most first, unassigned in Chinese', () => {
    expect(byAssignee({ 乙: 1, 甲: 2, '未分配 (unassigned)': 1 })).toEqual([
      { who: '甲', count: 2 }, { who: '乙', count: 1 }, { who: '未分配', count: 1 }])
  })
})

describe('funding', () => {
  const categories = [{ code: 'newspapers', label: '党报党刊征订' }, { code: 'activities', label: '组织活动' }]
  it('edits the allocation as one row per category and sends it back', () => {
    const rows = allocationRows({ newspapers: ['public_fund', 'special_fund'] }, categories)
    expect(rows).toEqual([{ category: 'newspapers', label: '党报党刊征订', sources: ['public_fund', 'special_fund'] },
      { category: 'activities', label: '组织活动', sources: [] }])
    rows[1].sources.push('special_fund')
    expect(policyBody({ rows, dues_rebate_ratio: '0.5', subsidy_min_age: 80, subsidy_amount: '', note: ' 调整 ', separation_of_duties: true }))
      .toEqual({ allocation: { newspapers: ['public_fund', 'special_fund'], activities: ['special_fund'] },
        dues_rebate_ratio: '0.5', subsidy_min_age: 80, note: '调整', separation_of_duties: true })
  })
  it('says what fixing the dues did, by name', () => {
    const names = { 7: '王建国', 8: '李芳' }
    const lines = duesFixedLines({ year: 2027, fixed: 10, already_fixed: 2, without_pension: [7],
      joined_during_year: [{ member_id: 8, from_month: 5 }], registered_after_year: [] }, (id) => names[id])
    expect(lines).toEqual(['2027年：本次核定 10 人，此前已核定 2 人。',
      '没有养老金数额、未能核定的 1 人：王建国（请先在名册中补上每月养老金）。',
      '年中入册、从入册当月起缴的 1 人：李芳（5月起）。'])
    expect(monthsText([{ month: 3 }, { month: 4 }])).toBe('3月、4月')
  })
})

describe('a withdrawn member', () => {
  it('shows the withdrawal in the timeline with its reason, not its record', () => {
    const [entry] = timeline({ history: [{ field: 'withdrawn', reason: 'withdrawal', changed_by: 'admin', changed_at: '2026-12-04T22:33:05+00:00',
      old_value: null, new_value: { at: '2026-12-04T22:33:05+00:00', reason: '重复登记', by: 'admin' } }] },
    (list, code) => (code === 'withdrawal' ? '撤销误录' : code))
    expect(entry).toMatchObject({ title: '撤销误录', detail: '原因：重复登记（经办：admin）', tone: 'danger', day: '2026-12-04' })
  })
})
