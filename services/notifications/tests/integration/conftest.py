"""A group robot on this machine for the notifications integration tests."""
import pytest

from wuji_infra.testing import LocalRobot


@pytest.fixture
def robot():
    robot = LocalRobot()
    yield robot
    robot.close()
