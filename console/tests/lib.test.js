import { describe, expect, it } from 'vitest'
import { filenameOf, queryString } from '../src/lib/api.js'
import { csv } from '../src/lib/csv.js'
import { balancesChart, missingItems, studyChart } from '../src/lib/dashboard.js'
import { label, options } from '../src/lib/dictionaries.js'
import { age, date, daysUntil, money, today, yesNo } from '../src/lib/format.js'
import { changes, fromIdNumber } from '../src/lib/idnumber.js'
import { missingIds } from '../src/lib/names.js'
import { forget, remember, restore, session } from '../src/lib/session.js'
import { stars } from '../src/lib/stars.js'
import { mix, palette } from '../src/lib/theme.js'
import { chinese, errorText, fieldErrors, formMessage, reasonsUnder, splitNames } from '../src/lib/text.js'
import { timeline } from '../src/lib/timeline.js'

const LISTS = {
  gender: [{ code: 'male', label: '男' }, { code: 'female', label: '女' }],
  visit_cause: [{ code: 'hospitalized', label: '住院探望' }],
  visit_task_status: [{ code: 'open', label: '待走访' }, { code: 'overdue', label: '已逾期' }],
  health_event_kind: [{ code: 'hospitalized', label: '住院' }],
  funding_source: [{ code: 'special_fund', label: '专项经费' }, { code: 'dues_rebate', label: '党费返还' }],
  history_reason: [{ code: 'created', label: '登记入册' }, { code: 'updated', label: '修改信息' }],
  member_field: [{ code: 'phone', label: '联系电话' }, { code: 'specialties', label: '专长' }],
}
const labelOf = (list, code) => label(list, code, LISTS)

describe('text', () => {
  it('shows the Chinese of "中文 (english)"', () => {
    expect(chinese('用户名或密码错误 (wrong username or password)')).toBe('用户名或密码错误')
    expect(chinese('没有括号')).toBe('没有括号')
    expect(chinese('名称（全角）')).toBe('名称（全角）')
  })
  it('writes an error answer as one line, fields with their labels', () => {
    const body = { error: 'invalid_input', message: '输入有误 (invalid input)', fields: { name: ['必填 (required)'] } }
    expect(errorText(body, { name: '姓名' })).toBe('输入有误。姓名：必填')
    expect(errorText(null)).toBe('操作没有成功，请稍后再试')
    expect(fieldErrors(body)).toEqual({ name: '必填' })
  })
  it("gathers a row's reasons, its fields' and its own, and no other row's", () => {
    const errors = { 'kinds.member_hospitalized.receivers': '领导查阅不能查看健康信息', 'kinds.member_hospitalized.push': '值无效',
      'kinds.member_hospitalized_extra': '别的类别', digest_hour: '应为整数' }
    expect(reasonsUnder(errors, 'kinds.member_hospitalized')).toBe('领导查阅不能查看健康信息；值无效')
    expect(reasonsUnder(errors, 'digest_hour')).toBe('应为整数')
    expect(reasonsUnder(errors, 'channels')).toBe('')
    expect(reasonsUnder(undefined, 'channels')).toBe('')
  })
  it('points at the red fields when the form shows them', () => {
    const error = { message: 'x', body: { message: '输入有误 (invalid input)', fields: { a: ['b'] } } }
    expect(formMessage(error)).toBe('输入有误，请看标红的地方')
    expect(formMessage({ message: '余额不足', body: { fields: {} } })).toBe('余额不足')
  })
  it('splits names typed in one box', () => {
    expect(splitNames('李明、王芳, 张强，赵刚  ')).toEqual(['李明', '王芳', '张强', '赵刚'])
    expect(splitNames('')).toEqual([])
  })
})

describe('format', () => {
  it('writes money in yuan with separators and keeps masks', () => {
    expect(money('1234567.5')).toBe('1,234,567.50 元')
    expect(money('-20.00', '')).toBe('-20.00')
    expect(money(null)).toBe('—')
    expect(money('***')).toBe('***')
  })
  it('writes dates the Chinese way', () => {
    expect(date('2026-03-05')).toBe('2026年3月5日')
    expect(date(null)).toBe('—')
  })
  it('counts age in whole years and days between dates', () => {
    expect(age('1941-03-05', '2026-03-04')).toBe(84)
    expect(age('1941-03-05', '2026-03-05')).toBe(85)
    expect(age('***', '2026-01-01')).toBe(null)
    expect(daysUntil('2026-03-01', '2026-02-27')).toBe(2)
    expect(daysUntil('2026-01-01', '2026-01-04')).toBe(-3)
  })
  it("takes today's date in China time", () => {
    expect(today(new Date('2026-12-04T17:00:00Z'))).toBe('2026-12-05')
    expect(today(new Date('2026-12-04T15:59:00Z'))).toBe('2026-12-04')
  })
  it('says yes and no', () => {
    expect([yesNo(true), yesNo(false), yesNo(null), yesNo('***')]).toEqual(['是', '否', '—', '***'])
  })
})

describe('ID numbers and changes', () => {
  it('reads the birth date and gender from an ID number', () => {
    expect(fromIdNumber('110105194103050117')).toEqual({ birth_date: '1941-03-05', gender: 'male' })
    expect(fromIdNumber('11010519410305012x')).toEqual({ birth_date: '1941-03-05', gender: 'female' })
    expect(fromIdNumber('110105194102300117')).toEqual({ birth_date: undefined, gender: 'male' })
    expect(fromIdNumber('12345')).toEqual({})
  })
  it('sends only what changed', () => {
    expect(changes({ a: 1, b: [1], c: null }, { a: 1, b: [1, 2], c: '' })).toEqual({ b: [1, 2], c: '' })
    expect(changes({ a: null }, { a: undefined })).toEqual({})
  })
})

describe('api helpers', () => {
  it('leaves empty filters out of the query string', () => {
    expect(queryString({ a: 1, b: '', c: null, d: undefined, e: [1, 2], q: '王 建' })).toBe('?a=1&e=1%2C2&q=%E7%8E%8B+%E5%BB%BA')
    expect(queryString({})).toBe('')
  })
  it('reads the Chinese file name of a download', () => {
    expect(filenameOf(`attachment; filename="download.docx"; filename*=UTF-8''2026%E5%B9%B4.docx`)).toBe('2026年.docx')
    expect(filenameOf('attachment; filename="a.xlsx"')).toBe('a.xlsx')
    expect(filenameOf(null, 'x')).toBe('x')
  })
  it('asks only for names it does not know', () => {
    expect(missingIds([3, 1, 3, null, 2], { 1: '王' })).toEqual([3, 2])
  })
})

describe('dictionaries', () => {
  it('labels codes and offers options', () => {
    expect(labelOf('gender', 'female')).toBe('女')
    expect(labelOf('gender', 'other')).toBe('other')
    expect(labelOf('gender', null)).toBe('—')
    expect(options('gender', LISTS)).toEqual([{ value: 'male', label: '男' }, { value: 'female', label: '女' }])
  })
})

describe('csv', () => {
  it('escapes, guards formulas and starts with a byte-order mark', () => {
    const text = csv([{ prop: 'a', label: '姓名' }, { prop: 'b', label: '说明', text: (r) => r.b.toUpperCase() }],
      [{ a: '王"建国"', b: 'x,y' }, { a: '=1+1', b: '-' }, { a: -5, b: 'z' }])
    expect(text).toBe('\ufeff姓名,说明\r\n"王""建国""","X,Y"\r\n\'=1+1,\'-\r\n-5,Z\r\n')
  })
})

describe('session', () => {
  const storage = () => { const data = {}; return { getItem: (k) => data[k] ?? null, setItem: (k, v) => { data[k] = v }, removeItem: (k) => { delete data[k] } } }
  it('remembers a login until it expires', () => {
    const store = storage()
    remember('t1', 60, { username: 'a', role: 'staff' }, store, 1000)
    forget({ removeItem() {} })
    restore(store, 2000)
    expect(session.token).toBe('t1')
    forget(store)
    restore(store, 2000)
    expect(session.token).toBe(null)
    remember('t2', 1, { role: 'staff' }, store, 1000)
    forget({ removeItem() {} })
    restore(store, 5000)
    expect(session.token).toBe(null)
  })
})

describe('theme', () => {
  it('mixes the office red with white and black', () => {
    expect(mix('#b3261e', '#ffffff', 0)).toBe('#b3261e')
    expect(mix('#000000', '#ffffff', 0.5)).toBe('#808080')
    expect(palette('primary', '#b3261e')['--el-color-primary-light-9']).toBe(mix('#b3261e', '#ffffff', 0.9))
  })
  it('draws stars', () => { expect(stars(3)).toBe('★★★☆☆'); expect(stars(9)).toBe('★★★★★') })
})

describe('dashboard', () => {
  it('charts the four sources', () => {
    const option = balancesChart({ sources: { special_fund: { budget: '100.00', spent: '40.00', balance: '60.00' } } }, labelOf)
    expect(option.xAxis.data).toEqual(['专项经费'])
    expect(option.series.map((s) => s.data[0])).toEqual([100, 40, 60])
  })
  it('counts branches with and without study each month', () => {
    const held = { months: [{ month: 1, status: 'held' }, { month: 2, status: 'missing' }] }
    const missed = { months: [{ month: 1, status: 'missing' }, { month: 2, status: 'future' }] }
    const option = studyChart([held, missed], 2026)
    expect(option.series[0].data.slice(0, 2)).toEqual([1, 0])
    expect(option.series[1].data.slice(0, 2)).toEqual([1, 1])
  })
  it('lists what is missing, the lowest score first', () => {
    const card = { branches: [
      { branch_id: 1, name: '一支部', score: 90, items: [{ met: false, title: 'A', missing: ['x'] }, { met: true, title: 'B', missing: [] }] },
      { branch_id: 2, name: '二支部', score: 60, items: [{ met: false, title: 'C', missing: ['y'] }] }] }
    expect(missingItems(card).map((m) => `${m.branch}${m.title}`)).toEqual(['二支部C', '一支部A'])
    expect(missingItems(null)).toEqual([])
  })
})

describe('timeline', () => {
  it('puts every record on one line of time, newest first, in Chinese', () => {
    const entries = timeline({
      history: [{ field: '*', reason: 'created', changed_at: '2026-01-02T08:00:00+00:00', changed_by: 'staff1' },
        { field: 'specialties', reason: 'updated', old_value: [], new_value: ['书法', '法律'], changed_at: '2026-02-01T08:00:00+00:00', changed_by: 'staff1' }],
      health: [{ kind: 'hospitalized', date: '2026-03-01', hospital: '市一院' }],
      visits: [{ cause: 'hospitalized', status: 'overdue', due_date: '2026-03-04', cause_date: '2026-03-01', reason: '住院探望' },
        { cause: 'hospitalized', status: 'done', visit: { visited_on: '2026-03-03', visitors: ['李明'], cash: '300.00' } }],
      honors: [{ year: 2025, title: '优秀共产党员', level: 'municipal' }],
      unknown: [{ date: '2026-01-01' }],
    }, labelOf)
    expect(entries.map((e) => e.day)).toEqual(['2026-03-03', '2026-03-01', '2026-03-01', '2026-02-01', '2026-01-02', '2025-12-31'])
    expect(entries[0].detail).toBe('李明，慰问金 300.00 元')
    expect(entries.find((e) => e.source === 'health').title).toBe('住院')
    expect(entries.find((e) => e.day === '2026-02-01')).toMatchObject({ title: '修改信息：专长', detail: '空 → 书法、法律（经办：staff1）' })
    expect(entries.find((e) => e.day === '2026-01-02').title).toBe('登记入册')
    expect(entries.find((e) => e.tone === 'danger' && e.kind === 'care').title).toBe('走访任务：住院探望')
  })
})
