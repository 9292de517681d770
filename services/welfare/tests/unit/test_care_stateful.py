"""Stateful property test of the care rules (make faults runs it too): members hospitalized,
discharged, dying and withdrawn in any order, each event possibly delivered twice or announced
again under a new id, visits done by staff, the daily run; after every step a cause has one
task, a dead member only the condolence visit open, a withdrawn member nothing open, and a
visit done stays done."""
import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from nameko.testing.services import worker_factory

from welfare.models import Base, VisitTask
from welfare.service import WelfareService
from wuji_infra import access, events
from wuji_infra.clock import FixedClock
from wuji_infra.errors import Conflict
from wuji_infra.testing import in_memory_store

TODAY = dt.date(2026, 7, 15)
RULE_DUE_DAYS = {"discharged": 7, "serious_illness": 3, "deceased": 2}
MEMBERS = (1, 2, 3)
members = st.sampled_from(MEMBERS)
days = st.integers(min_value=0, max_value=3).map(lambda back: TODAY - dt.timedelta(days=back))


class Care(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.store = in_memory_store("welfare", Base.metadata)
        self.service = worker_factory(WelfareService, db=self.store, hospital_visit_due_days=3,
                                      rule_due_days=RULE_DUE_DAYS, clock=FixedClock(TODAY), caller=access.SYSTEM)
        self.dead, self.withdrawn, self.done = set(), set(), set()
        for member_id in MEMBERS:   # welfare knows them (an unknown member's death is skipped by design)
            self.service.on_member_registered(events.new_event("member_registered", {
                "member_id": member_id, "branch_id": 1, "name": f"党员{member_id}", "birth_date": dt.date(1936, 3, 1),
                "status": "active", "hardship": False, "lives_alone": member_id == 2, "children_away": False,
                "mobility_limited": False, "org_relation": "unit"}, source="members"))

    def tasks(self):
        with self.store.read() as session:
            return {task.id: (task.member_id, task.cause, task.cause_date, task.status)
                    for task in session.scalars(sa.select(VisitTask))}

    def deliver(self, handler, event_type, data, times, announced_again):
        """The event ``times`` times (a redelivery), and once more under a new id if
        ``announced_again`` (the same cause in a second event): the first delivery decides."""
        event = events.new_event(event_type, data, source="members")
        handler(events.from_message(events.to_message(event)))
        after_first = self.tasks()
        for _ in range(times - 1):
            handler(events.from_message(events.to_message(event)))
        if announced_again:
            handler(events.from_message(events.to_message(events.new_event(event_type, data, source="members"))))
        assert self.tasks() == after_first

    def facts(self, member_id, day):
        return {"member_id": member_id, "date": day, "branch_id": 1, "birth_date": dt.date(1936, 3, 1),
                "hardship": False, "lives_alone": member_id == 2}

    @rule(member_id=members, day=days, times=st.integers(1, 3), announced_again=st.booleans())
    def hospitalized(self, member_id, day, times, announced_again):
        before = self.tasks()
        self.deliver(self.service.on_member_hospitalized, "member_hospitalized",
                     dict(self.facts(member_id, day), hospital="市第一人民医院"), times, announced_again)
        made = [task for task_id, task in self.tasks().items() if task_id not in before]
        if member_id in self.dead or member_id in self.withdrawn:
            assert made == []
        else:
            assert len(made) <= 1 and all(task[:3] == (member_id, "hospitalized", day) for task in made)

    @rule(member_id=members, day=days, times=st.integers(1, 3), announced_again=st.booleans())
    def discharged(self, member_id, day, times, announced_again):
        self.deliver(self.service.on_member_discharged, "member_discharged", self.facts(member_id, day),
                     times, announced_again)

    @rule(member_id=members, day=days, times=st.integers(1, 3), announced_again=st.booleans())
    def deceased(self, member_id, day, times, announced_again):
        self.deliver(self.service.on_member_deceased, "member_deceased", self.facts(member_id, day),
                     times, announced_again)
        if member_id not in self.withdrawn:
            self.dead.add(member_id)

    @rule(member_id=members, times=st.integers(1, 2))
    def withdrawn(self, member_id, times):
        data = {"member_id": member_id, "branch_id": 1,
                "withdrawn_at": dt.datetime(2026, 7, 15, 2, 0, tzinfo=dt.timezone.utc)}
        self.deliver(self.service.on_member_withdrawn, "member_withdrawn", data, times, False)
        self.withdrawn.add(member_id)

    @precondition(lambda self: any(task[3] == "open" for task in self.tasks().values()))
    @rule(n=st.integers(min_value=0))
    def visit_done(self, n):
        open_ids = sorted(task_id for task_id, task in self.tasks().items() if task[3] == "open")
        task_id = open_ids[n % len(open_ids)]
        self.service.complete_visit_task(task_id, {"visited_on": TODAY.isoformat(), "visitors": ["王书记"]}, "staff1")
        self.done.add(task_id)
        try:
            self.service.complete_visit_task(task_id, {"visited_on": TODAY.isoformat(), "visitors": ["王书记"]}, "staff1")
        except Conflict:
            pass
        else:
            raise AssertionError("a visit done twice")

    @rule()
    def daily_run(self):
        self.service.daily()

    @invariant()
    def the_rules_hold(self):
        tasks = self.tasks()
        for task_id in self.done:
            assert tasks[task_id][3] == "done"
        for member_id, cause, _day, status in tasks.values():
            if status != "open":
                continue
            assert member_id not in self.withdrawn, f"open {cause} task of a withdrawn member"
            if member_id in self.dead:
                assert cause == "deceased", f"open {cause} task of a dead member"


Care.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])
TestCare = Care.TestCase
