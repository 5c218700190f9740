from . import iot_levelised_plan_wizard
